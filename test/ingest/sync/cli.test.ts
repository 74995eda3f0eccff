import { describe, expect, it } from 'vitest';
import { parseSyncArgs, SyncUsageError } from '../../../src/ingest/sync-cli.ts';
import { retryAfterMs } from '../../../src/ingest/sync/http.ts';

describe('npm run sync command line', () => {
  it('reads a Zendesk and a Freshdesk account', () => {
    expect(parseSyncArgs(['zendesk', '--subdomain', 'acme', '--email', 'a@acme.example', '--token', 't'], {})).toMatchObject({
      kind: 'ZENDESK',
      account: 'acme',
      name: 'zendesk:acme',
      credentials: { email: 'a@acme.example', token: 't' },
    });
    expect(parseSyncArgs(['freshdesk', '--domain', 'acme', '--start', '2024-01-01T00:00:00Z'], { FRESHDESK_API_KEY: 'k' })).toMatchObject({
      kind: 'FRESHDESK',
      name: 'freshdesk:acme',
      startTime: new Date('2024-01-01T00:00:00Z'),
      credentials: { apiKey: 'k' },
    });
  });

  it.each([
    [['zendesk', '--email', 'a@b.example', '--token', 't'], 'zendesk needs --subdomain'],
    [['zendesk', '--subdomain', 'acme'], 'a Zendesk connection needs email and token (an API token of an admin): pass --email and --token'],
    [['freshdesk', '--domain', 'acme'], 'freshdesk needs --api-key'],
    [['helpscout'], 'say which help desk: zendesk or freshdesk (got "helpscout")'],
    [['freshdesk', '--domain', 'acme', '--api-key', 'k', '--start', 'yesterday'], '--start "yesterday" is not an ISO 8601 date-time'],
  ])('%j → %s', (argv, message) => {
    expect(() => parseSyncArgs(argv, {})).toThrow(SyncUsageError);
    expect(() => parseSyncArgs(argv, {})).toThrow(message);
  });
});

describe('Retry-After', () => {
  it.each([
    ['7', 7000],
    ['0', 0],
    ['Wed, 02 Dec 2026 05:00:30 GMT', 30_000],
    [null, 1000],
    ['soon', 1000],
  ])('%s → %d ms', (header, ms) => {
    expect(retryAfterMs(header, Date.parse('2026-12-02T05:00:00Z'))).toBe(ms);
  });
});
