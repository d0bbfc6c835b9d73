import { inject, injectable } from 'inversify';
import { Authorized, Field, Float, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { Role } from '../../services/auth/roles';
import { SystemService } from '../../services/system.service';
import { WorkersService } from '../../services/queue/workers.service';

@ObjectType('ComputeBackend', { description: 'The TensorFlow.js backend that trains and runs the CNN.' })
export class ComputeBackendType {
  @Field({ description: 'native (the project\'s native kernels), wasm, tensorflow, tensorflow-gpu or cpu; "not loaded" before the first training.' }) name!: string;
  @Field({ description: 'Version of the backend\'s TensorFlow.js package.' }) version!: string;
  @Field(() => Int, { description: 'Threads the backend computes with.' }) threads!: number;
  @Field({ description: 'True when training runs on a GPU.' }) gpu!: boolean;
  @Field(() => [String], { description: 'e.g. project-kernels, native-avx512 or native-avx2-fma (native); simd, relaxed-simd-fma, winograd-f4x3 (wasm); native (tfjs-node).' }) features!: string[];
  @Field({ description: 'Why this backend runs: forced by NIR_SSL_BACKEND, or chosen automatically (and what failed to load before it).' }) reason!: string;
}

@ObjectType('JobQueueStatus', { description: 'The queue experiments\' folds go through.' })
export class JobQueueStatusType {
  @Field({ description: 'in-process (folds train in this server) or redis (BullMQ; worker processes train them).' }) kind!: string;
  @Field(() => String, { nullable: true, description: 'The queue\'s store (Redis URL without its password); null in-process.' }) url!: string | null;
  @Field({ description: 'False while the queue\'s store cannot be reached: reads keep working, new experiments wait in the database and are queued when it is back.' }) up!: boolean;
}

@ObjectType('WorkerFold', { description: 'A fold a worker process is training.' })
export class WorkerFoldType {
  @Field({ description: 'The experiment the fold belongs to.' }) experimentId!: string;
  @Field(() => Int, { description: 'Repeat of the cross-validation (0-based; -1: the final model).' }) repeat!: number;
  @Field(() => Int, { description: 'Fold within the repeat (0-based; -1: the final model).' }) fold!: number;
  @Field({ description: 'When the worker took the fold (ISO 8601).' }) startedAt!: string;
}

@ObjectType('Worker', { description: 'A worker process of the distributed queue (`nir-ssl worker`), from its heartbeat.' })
export class WorkerType {
  @Field({ description: 'host:pid, as recorded with the folds it trains.' }) name!: string;
  @Field({ description: 'Host name of the machine.' }) host!: string;
  @Field(() => Int, { description: 'Process id on that host.' }) pid!: number;
  @Field({ description: 'Compute backend it trains with (e.g. native, tensorflow-gpu).' }) backend!: string;
  @Field(() => Int, { description: 'Folds it trains at once (--concurrency).' }) concurrency!: number;
  @Field({ description: 'running, stopping (handing its folds back) or stopped.' }) state!: string;
  @Field(() => [WorkerFoldType], { description: 'The folds it is training now.' }) runningFolds!: WorkerFoldType[];
  @Field({ description: 'When it started (ISO 8601).' }) startedAt!: string;
  @Field({ description: 'Its last heartbeat (ISO 8601; every 5 s while alive: older means stopped or lost).' }) lastSeen!: string;
}

@ObjectType('System', { description: 'The server, its database and its compute backend.' })
export class SystemType {
  @Field({ description: 'Version of this server.' }) version!: string;
  @Field({ description: 'Version of Node.js running it.' }) nodeVersion!: string;
  @Field({ description: 'sqlite or postgresql.' }) database!: string;
  @Field(() => Float, { description: 'Seconds since the server started.' }) uptimeSeconds!: number;
  @Field(() => ComputeBackendType, { description: 'The compute backend that trains and runs the CNN.' }) backend!: ComputeBackendType;
  @Field(() => JobQueueStatusType, { description: 'The job queue (in-process or distributed) and whether it is reachable.' }) queue!: JobQueueStatusType;
}

@injectable()
@Resolver()
export class SystemResolver {
  constructor(
    @inject(SystemService) private readonly service: SystemService,
    @inject(WorkersService) private readonly workersService: WorkersService,
  ) {}

  @Authorized<Role>('reader')
  @Query(() => SystemType, { description: 'Server, database and compute backend.' })
  async system(): Promise<SystemType> {
    return this.service.info();
  }

  @Authorized<Role>('reader')
  @Query(() => [WorkerType], { description: 'Worker processes of the distributed queue seen in the last day, most recently seen first (empty with the in-process queue).' })
  async workers(): Promise<WorkerType[]> {
    return this.workersService.list();
  }
}
