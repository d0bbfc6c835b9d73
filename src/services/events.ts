import { EventEmitter, on } from 'node:events';
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
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish<K extends keyof EventTopics>(topic: K, ...payload: EventTopics[K]): void {
    this.pubSub.publish(topic, payload[0]);
    this.emitter.emit(topic, payload[0]);
  }

  /**
   * The events of a topic from this call on, buffered until read (the pubsub's iterators start
   * listening only at their first read, so a reader that first looks at the database would miss
   * what happens meanwhile). Ends when `signal` aborts.
   */
  listen<K extends keyof EventTopics>(topic: K, signal: AbortSignal): AsyncGenerator<EventTopics[K][0]> {
    const events = on(this.emitter, topic, { signal }); // listening starts here, not at the first read
    return (async function* () {
      try {
        for await (const [event] of events) yield event as EventTopics[K][0];
      } catch (error) {
        if (!signal.aborted) throw error;
      }
    })();
  }
}
