import { createPubSub } from '@graphql-yoga/subscription';
import { injectable } from 'inversify';
import type { ExperimentProgress } from './experiments/experiment-events';

/** Events the server publishes; GraphQL subscriptions listen to them. */
export interface DatasetEvent {
  readonly type: 'CREATED' | 'RENAMED' | 'DELETED';
  readonly datasetId: string;
  readonly name: string;
}

export type EventTopics = {
  dataset: [DatasetEvent];
  experiment: [ExperimentProgress];
};

/**
 * In-process publish/subscribe (the one GraphQL subscriptions use). A distributed deployment
 * swaps the pubsub for a Redis-backed one behind the same interface.
 */
@injectable()
export class EventBus {
  readonly pubSub = createPubSub<Record<string, [unknown]>>();

  publish<K extends keyof EventTopics>(topic: K, ...payload: EventTopics[K]): void {
    this.pubSub.publish(topic, payload[0]);
  }
}
