import { inject, injectable } from 'inversify';
import { Authorized, Field, Float, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { Role } from '../../services/auth/roles';
import { SystemService } from '../../services/system.service';

@ObjectType('ComputeBackend', { description: 'The TensorFlow.js backend that trains and runs the CNN.' })
export class ComputeBackendType {
  @Field({ description: 'native (the project\'s native kernels), wasm, tensorflow, tensorflow-gpu or cpu; "not loaded" before the first training.' }) name!: string;
  @Field({ description: 'Version of the backend\'s TensorFlow.js package.' }) version!: string;
  @Field(() => Int, { description: 'Threads the backend computes with.' }) threads!: number;
  @Field({ description: 'True when training runs on a GPU.' }) gpu!: boolean;
  @Field(() => [String], { description: 'e.g. project-kernels, native-avx512 or native-avx2-fma (native); simd, relaxed-simd-fma, winograd-f4x3 (wasm); native (tfjs-node).' }) features!: string[];
  @Field({ description: 'Why this backend runs: forced by NIR_SSL_BACKEND, or chosen automatically (and what failed to load before it).' }) reason!: string;
}

@ObjectType('System', { description: 'The server, its database and its compute backend.' })
export class SystemType {
  @Field({ description: 'Version of this server.' }) version!: string;
  @Field({ description: 'Version of Node.js running it.' }) nodeVersion!: string;
  @Field({ description: 'sqlite or postgresql.' }) database!: string;
  @Field(() => Float, { description: 'Seconds since the server started.' }) uptimeSeconds!: number;
  @Field(() => ComputeBackendType, { description: 'The compute backend that trains and runs the CNN.' }) backend!: ComputeBackendType;
}

@injectable()
@Resolver()
export class SystemResolver {
  constructor(@inject(SystemService) private readonly service: SystemService) {}

  @Authorized<Role>('reader')
  @Query(() => SystemType, { description: 'Server, database and compute backend.' })
  async system(): Promise<SystemType> {
    return this.service.info();
  }
}
