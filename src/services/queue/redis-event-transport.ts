import type { Logger } from '../../logger';
import type { EventTransport } from '../events';
import type { RedisConnections } from './redis-connections';

/** Events through a Redis channel: every API instance and worker sees what any of them publishes. */
export class RedisEventTransport implements EventTransport {
  private readonly handlers: ((message: string) => void)[] = [];

  private constructor(
    private readonly redis: RedisConnections,
    private readonly logger: Logger,
  ) {
    redis.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== redis.key('events')) return;
      for (const handler of this.handlers) handler(message);
    });
  }

  static async open(redis: RedisConnections, logger: Logger): Promise<RedisEventTransport> {
    const transport = new RedisEventTransport(redis, logger);
    await redis.subscriber.subscribe(redis.key('events'));
    return transport;
  }

  publish(message: string): void {
    this.redis.command.publish(this.redis.key('events'), message).catch((error: Error) => this.logger.warn('could not publish an event to Redis', { error: error.message }));
  }

  onMessage(handler: (message: string) => void): void {
    this.handlers.push(handler);
  }
}
