import { describe, expect, it } from 'vitest';
import { SeedArgsError, parseSeedArgs } from '../../seeds/args.ts';

describe('parseSeedArgs', () => {
  it('reads the documented options', () => {
    expect(parseSeedArgs(['--tickets', '200000', '--seed', '7', '--days', '90', '--now', '2026-11-25T00:00:00Z', '--reset', '--no-events']))
      .toEqual({ tickets: 200000, seed: 7, days: 90, now: new Date('2026-11-25T00:00:00Z'), events: false, reset: true, help: false });
  });

  it('falls back to the defaults', () => {
    expect(parseSeedArgs([], 1234)).toEqual({ tickets: 1234, seed: 1, days: 365, now: undefined, events: true, reset: false, help: false });
    expect(parseSeedArgs(['--tickets=1_000_000']).tickets).toBe(1_000_000);
  });

  it.each([
    [['--tickets', 'many'], /--tickets must be an integer from 0 to 10000000, got "many"/],
    [['--tickets=-5'], /--tickets must be an integer/],
    [['--tickets', '-5'], /argument is ambiguous/],
    [['--days', '0'], /--days must be an integer from 1 to 3660/],
    [['--seed', '1.5'], /--seed must be an integer/],
    [['--now', 'yesterday'], /--now must be an ISO 8601 date-time/],
    [['--verbose'], /Unknown option '--verbose'/],
    [['extra'], /Unexpected argument 'extra'/],
  ])('rejects %j with a message that says what to change', (argv, message) => {
    expect(() => parseSeedArgs(argv)).toThrow(SeedArgsError);
    expect(() => parseSeedArgs(argv)).toThrow(message);
  });
});
