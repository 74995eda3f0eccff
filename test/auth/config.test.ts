import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';

describe('access settings', () => {
  it('has defaults', () => {
    expect(loadConfig({})).toMatchObject({
      adminToken: null,
      queryTimeoutMs: 15_000,
      rateLimitPerMinute: 600,
      redisUrl: null,
      corsOrigins: [],
      graphiql: true,
      queryCostLimit: 200_000,
    });
    expect(loadConfig({ NODE_ENV: 'production' })).toMatchObject({ production: true, graphiql: false });
    expect(loadConfig({ NODE_ENV: 'production', GRAPHIQL: 'true' }).graphiql).toBe(true);
  });

  it('reads each variable', () => {
    const config = loadConfig({
      ADMIN_TOKEN: 'a'.repeat(40),
      QUERY_TIMEOUT_MS: '5000',
      RATE_LIMIT_PER_MINUTE: '60',
      REDIS_URL: 'redis://127.0.0.1:6379',
      CORS_ORIGINS: 'https://dash.example.com, http://localhost:3000',
      QUERY_COST_LIMIT: '5000',
    });
    expect(config).toMatchObject({
      adminToken: 'a'.repeat(40),
      queryTimeoutMs: 5000,
      rateLimitPerMinute: 60,
      redisUrl: 'redis://127.0.0.1:6379',
      corsOrigins: ['https://dash.example.com', 'http://localhost:3000'],
      queryCostLimit: 5000,
    });
  });

  it.each([
    [{ ADMIN_TOKEN: 'short-secret' }, /ADMIN_TOKEN must be at least 32 characters \(got 12\)/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL "localhost:6379" must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ CORS_ORIGINS: 'https://ok.example.com,*' }, /CORS_ORIGINS entry "\*" is not an origin/],
    [{ CORS_ORIGINS: 'https://x.example.com/path' }, /is not an origin/],
    [{ QUERY_TIMEOUT_MS: '10' }, /QUERY_TIMEOUT_MS="10" must be an integer from 100/],
    [{ RATE_LIMIT_PER_MINUTE: '0' }, /RATE_LIMIT_PER_MINUTE="0" must be an integer from 1/],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never repeats the ADMIN_TOKEN in its error', () => {
    expect(() => loadConfig({ ADMIN_TOKEN: 'hunter2-secret' })).not.toThrow(/hunter2/);
  });
});
