import { EventEmitter, on } from 'node:events';
import { createPubSub } from '@graphql-yoga/subscription';
import { inject, injectable, optional } from 'inversify';
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

/** Carries events between processes (Redis pub/sub with a distributed queue); messages are JSON. */
export interface EventTransport {
  publish(message: string): void;
  onMessage(handler: (message: string) => void): void;
}

export const EVENT_TRANSPORT = Symbol.for('nir-ssl.EventTransport');

/**
 * Publish/subscribe (the one GraphQL subscriptions use). In-process by default; with a transport
 * (Redis pub/sub) every event goes through it and comes back to every process's subscribers,
 * so a subscription on one API instance sees progress published by a worker elsewhere.
 */
@injectable()
export class EventBus {
  readonly pubSub = createPubSub<Record<string, [unknown]>>();
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  constructor(@inject(EVENT_TRANSPORT) @optional() private readonly transport?: EventTransport) {
    transport?.onMessage((message) => {
      const { topic, payload } = JSON.parse(message) as { topic: keyof EventTopics; payload: unknown };
      this.deliver(topic, payload);
    });
  }

  publish<K extends keyof EventTopics>(topic: K, ...payload: EventTopics[K]): void {
    if (this.transport) this.transport.publish(JSON.stringify({ topic, payload: payload[0] }));
    else this.deliver(topic, payload[0]);
  }

  private deliver(topic: keyof EventTopics, payload: unknown): void {
    this.pubSub.publish(topic, payload);
    this.emitter.emit(topic, payload);
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
