import { Redis } from 'ioredis';
import { redactUrl } from '../../config';
import type { Logger } from '../../logger';

/** The BullMQ queue of fold jobs (its keys are under the configured prefix). */
export const QUEUE_NAME = 'folds';

/**
 * The Redis connections of one process: `command` for the queue, publishing, heartbeats and
 * locks; `subscriber` for pub/sub (a subscribed connection takes no other commands). Opening
 * fails with an error naming the URL when Redis cannot be reached; once open, a lost connection
 * is retried for ever (reads of the database keep working meanwhile; `up` says false).
 */
export class RedisConnections {
  private constructor(
    readonly url: string,
    /** Prefix of every key and channel (NIR_SSL_QUEUE_PREFIX). */
    readonly prefix: string,
    readonly command: Redis,
    readonly subscriber: Redis,
  ) {}

  /** `worker`: connections fit for a BullMQ Worker (commands wait for a reconnection instead of failing). */
  static async open(url: string, prefix: string, logger: Logger, options: { worker?: boolean } = {}): Promise<RedisConnections> {
    const open = async (role: string): Promise<Redis> => {
      let connected = false;
      const client = new Redis(url, {
        lazyConnect: true,
        connectTimeout: 5000,
        maxRetriesPerRequest: options.worker ? null : 1,
        // The API fails fast while Redis is away (the experiment stays queued in the database).
        enableOfflineQueue: options.worker === true || role === 'subscriber',
        retryStrategy: (times) => (connected ? Math.min(times * 200, 2000) : null),
      });
      let lastError = '';
      client.on('error', (error: Error) => {
        if (connected && error.message !== lastError) logger.warn('queue store (Redis) connection error', { url: redactUrl(url), role, error: error.message });
        lastError = error.message;
      });
      client.on('ready', () => {
        if (lastError) logger.info('queue store (Redis) reconnected', { url: redactUrl(url), role });
        lastError = '';
      });
      try {
        await client.connect();
      } catch (error) {
        client.disconnect();
        // The socket's error (e.g. ECONNREFUSED) says more than ioredis's "Connection is closed".
        const reason = lastError || (error instanceof Error ? error.message : String(error));
        throw new Error(`the queue store (Redis at ${redactUrl(url)}, NIR_SSL_QUEUE) is unreachable: ${reason}`);
      }
      connected = true;
      return client;
    };
    const command = await open('command');
    const subscriber = await open('subscriber').catch((error: unknown) => {
      command.disconnect();
      throw error;
    });
    return new RedisConnections(url, prefix, command, subscriber);
  }

  /** A key or channel of this deployment: prefix:name. */
  key(name: string): string {
    return `${this.prefix}:${name}`;
  }

  get up(): boolean {
    return this.command.status === 'ready';
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.command.quit(), this.subscriber.quit()]);
    this.command.disconnect();
    this.subscriber.disconnect();
  }
}
