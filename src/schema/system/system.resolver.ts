import { inject, injectable } from 'inversify';
import { Field, Float, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { SystemService } from '../../services/system.service';

@ObjectType('ComputeBackend', { description: 'The TensorFlow.js backend that trains and runs the CNN.' })
export class ComputeBackendType {
  @Field({ description: 'native (the project\'s native kernels), wasm, tensorflow, tensorflow-gpu or cpu; "not loaded" before the first training.' }) name!: string;
  @Field() version!: string;
  @Field(() => Int) threads!: number;
  @Field() gpu!: boolean;
  @Field(() => [String], { description: 'e.g. project-kernels, native-avx512 or native-avx2-fma (native); simd, relaxed-simd-fma, winograd-f4x3 (wasm); native (tfjs-node).' }) features!: string[];
  @Field({ description: 'Why this backend runs: forced by NIR_SSL_BACKEND, or chosen automatically (and what failed to load before it).' }) reason!: string;
}

@ObjectType('System')
export class SystemType {
  @Field() version!: string;
  @Field() nodeVersion!: string;
  @Field({ description: 'sqlite or postgresql.' }) database!: string;
  @Field(() => Float) uptimeSeconds!: number;
  @Field(() => ComputeBackendType) backend!: ComputeBackendType;
}

@injectable()
@Resolver()
export class SystemResolver {
  constructor(@inject(SystemService) private readonly service: SystemService) {}

  @Query(() => SystemType, { description: 'Server, database and compute backend.' })
  async system(): Promise<SystemType> {
    return this.service.info();
  }
}
