import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

/** The window every budget is counted in. */
export const RATE_WINDOW_MS = 60_000;

/** The outcome of spending one request from a budget. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (at least 1). */
  retryAfterSeconds: number;
}

/** Counts requests per key in fixed one-minute windows. */
export interface RateLimiter {
  /** Spends one request from `key`'s budget of `limit` a minute. */
  hit(key: string, limit: number): Promise<RateDecision>;
  /** Reads `key`'s budget without spending from it: allowed while fewer than `limit` were spent. */
  peek(key: string, limit: number): Promise<RateDecision>;
  close(): Promise<void>;
}

function decision(count: number, limit: number, msLeft: number): RateDecision {
  return {
    allowed: count <= limit,
    limit,
    remaining: Math.max(0, limit - count),
    retryAfterSeconds: Math.max(1, Math.ceil(msLeft / 1000)),
  };
}

/** Budgets in this process's memory: right for one server process. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { startedAt: number; count: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, limit: number): Promise<RateDecision> {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= RATE_WINDOW_MS) {
      if (this.windows.size > 10_000) this.prune(now);
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    return decision(window.count, limit, window.startedAt + RATE_WINDOW_MS - now);
  }

  async peek(key: string, limit: number): Promise<RateDecision> {
    const now = this.now();
    const window = this.windows.get(key);
    if (!window || now - window.startedAt >= RATE_WINDOW_MS) return decision(0, limit, RATE_WINDOW_MS);
    return { ...decision(window.count, limit, window.startedAt + RATE_WINDOW_MS - now), allowed: window.count < limit };
  }

  private prune(now: number): void {
    for (const [key, window] of this.windows) if (now - window.startedAt >= RATE_WINDOW_MS) this.windows.delete(key);
  }

  async close(): Promise<void> {
    this.windows.clear();
  }
}

// One round trip, atomic: count the hit, start the window on the first one, report what is left of it.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

/**
 * Budgets in Redis, shared by every server process that uses the same Redis. When Redis
 * cannot be reached the process falls back to its own memory (logged) rather than
 * refusing every request.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  private readonly fallback = new MemoryRateLimiter();
  private lastWarning = 0;

  constructor(
    url: string,
    private readonly options: { prefix?: string; logger?: Logger } = {},
  ) {
    this.redis = new Redis(url, {
      lazyConnect: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: 1_000,
    });
    // Connection errors surface on the commands; without a listener ioredis would print them.
    this.redis.on('error', () => undefined);
  }

  async hit(key: string, limit: number): Promise<RateDecision> {
    try {
      const reply = (await this.redis.eval(HIT_SCRIPT, 1, `${this.options.prefix ?? 'supportgraph:rate:'}${key}`, RATE_WINDOW_MS)) as [
        number,
        number,
      ];
      return decision(Number(reply[0]), limit, Number(reply[1]));
    } catch (error) {
      if (Date.now() - this.lastWarning > RATE_WINDOW_MS) {
        this.lastWarning = Date.now();
        this.options.logger?.warn({ err: (error as Error).message }, 'rate limiter: Redis unavailable, counting in memory');
      }
      return this.fallback.hit(key, limit);
    }
  }

  async peek(key: string, limit: number): Promise<RateDecision> {
    const name = `${this.options.prefix ?? 'supportgraph:rate:'}${key}`;
    try {
      const [count, ttl] = await Promise.all([this.redis.get(name), this.redis.pttl(name)]);
      const spent = Number(count ?? 0);
      return { ...decision(spent, limit, ttl > 0 ? ttl : RATE_WINDOW_MS), allowed: spent < limit };
    } catch {
      return this.fallback.peek(key, limit);
    }
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** The limiter the configuration asks for: Redis when REDIS_URL is set, else memory. */
export function createRateLimiter(redisUrl: string | null, logger?: Logger): RateLimiter {
  return redisUrl ? new RedisRateLimiter(redisUrl, { logger }) : new MemoryRateLimiter();
}
