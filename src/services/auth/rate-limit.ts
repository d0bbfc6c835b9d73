import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { LimitError } from '../../errors';

/** Requests per minute per key (a token, or an address without one); in memory, per process. */
export class RateLimit {
  private readonly limiter: RateLimiterMemory | null;

  constructor(private readonly perMinute: number) {
    this.limiter = perMinute > 0 ? new RateLimiterMemory({ points: perMinute, duration: 60 }) : null;
  }

  /** Counts one request; throws RATE_LIMITED (with the seconds to wait) over the limit. */
  async consume(key: string): Promise<void> {
    if (!this.limiter) return;
    try {
      await this.limiter.consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const retryAfterSeconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new LimitError('RATE_LIMITED', `over the rate limit of ${this.perMinute} requests per minute: retry in ${retryAfterSeconds} s`, {
        limit: this.perMinute,
        retryAfterSeconds,
      });
    }
  }
}
