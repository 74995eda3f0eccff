import { DateTime } from 'luxon';

/** The preset ranges of the range picker. */
export const RANGES = {
  '7d': 'Last 7 days',
  '28d': 'Last 28 days',
  '90d': 'Last 90 days',
  lastweek: 'Last week',
  lastmonth: 'Last month',
  custom: 'Custom',
} as const;

/** A range picker choice. */
export type RangeKey = keyof typeof RANGES;

/** Bucket sizes offered (the API has more; these fit a dashboard). */
export const GRANULARITIES = ['HOUR', 'DAY', 'WEEK', 'MONTH'] as const;
/** A bucket size of the granularity picker. */
export type Granularity = (typeof GRANULARITIES)[number];

/** The channel filter's choices (the API's Channel enum). */
export const CHANNELS = ['EMAIL', 'CHAT', 'PHONE', 'SOCIAL', 'WEB', 'API'] as const;
/** The priority filter's choices (the API's Priority enum). */
export const PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const;

/** Everything a view depends on; it lives in the URL so a view can be bookmarked. */
export interface ViewState {
  range: RangeKey;
  /** Custom range: first and last local day (inclusive), yyyy-MM-dd. */
  from: string;
  to: string;
  timeZone: string;
  granularity: Granularity;
  teamIds: string[];
  channels: string[];
  priorities: string[];
}

/** The browser's own zone, the default of the zone picker. */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function list(value: string | null): string[] {
  return value ? value.split(',').filter(Boolean) : [];
}

/** Reads the view from a query string; missing or bad values fall back to defaults. */
export function readState(search: string): ViewState {
  const params = new URLSearchParams(search);
  const range = (params.get('range') ?? '28d') as RangeKey;
  const zone = params.get('tz') ?? browserZone();
  const granularity = (params.get('granularity') ?? '') as Granularity;
  return {
    range: range in RANGES ? range : '28d',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    timeZone: DateTime.local().setZone(zone).isValid ? zone : browserZone(),
    granularity: GRANULARITIES.includes(granularity) ? granularity : range === '90d' ? 'WEEK' : 'DAY',
    teamIds: list(params.get('team')),
    channels: list(params.get('channel')).filter((c) => (CHANNELS as readonly string[]).includes(c)),
    priorities: list(params.get('priority')).filter((p) => (PRIORITIES as readonly string[]).includes(p)),
  };
}

/** The query string of a view (only what differs from nothing). */
export function writeState(state: ViewState): string {
  const params = new URLSearchParams();
  params.set('range', state.range);
  if (state.range === 'custom') {
    params.set('from', state.from);
    params.set('to', state.to);
  }
  params.set('tz', state.timeZone);
  params.set('granularity', state.granularity);
  if (state.teamIds.length) params.set('team', state.teamIds.join(','));
  if (state.channels.length) params.set('channel', state.channels.join(','));
  if (state.priorities.length) params.set('priority', state.priorities.join(','));
  return `?${params.toString()}`;
}

/** A half-open range of instants, as the API takes it. */
export interface Range {
  from: string;
  to: string;
}

/**
 * The range a view covers and the period before it, computed in the view's zone: days
 * start at local midnight; "last week" is the last full ISO week, "last month" the last
 * calendar month; the previous period has the same length (the month before, for months).
 */
export function resolveRange(state: ViewState, now: DateTime = DateTime.now()): { current: Range; previous: Range } {
  const today = now.setZone(state.timeZone).startOf('day');
  let from: DateTime;
  let to: DateTime;
  let previousFrom: DateTime;
  switch (state.range) {
    case 'lastweek':
      to = today.startOf('week');
      from = to.minus({ weeks: 1 });
      previousFrom = from.minus({ weeks: 1 });
      break;
    case 'lastmonth':
      to = today.startOf('month');
      from = to.minus({ months: 1 });
      previousFrom = from.minus({ months: 1 });
      break;
    case 'custom': {
      const first = DateTime.fromISO(state.from, { zone: state.timeZone });
      const last = DateTime.fromISO(state.to, { zone: state.timeZone });
      if (first.isValid && last.isValid && last >= first) {
        from = first.startOf('day');
        to = last.startOf('day').plus({ days: 1 });
      } else {
        to = today.plus({ days: 1 });
        from = to.minus({ days: 28 });
      }
      previousFrom = from.minus({ days: Math.round(to.diff(from, 'days').days) });
      break;
    }
    default: {
      const days = state.range === '7d' ? 7 : state.range === '90d' ? 90 : 28;
      to = today.plus({ days: 1 });
      from = to.minus({ days });
      previousFrom = from.minus({ days });
    }
  }
  const iso = (t: DateTime) => t.toUTC().toISO({ suppressMilliseconds: true }) ?? '';
  return { current: { from: iso(from), to: iso(to) }, previous: { from: iso(previousFrom), to: iso(from) } };
}

/** The API's TicketFilter for a view's filters (empty lists left out). */
export function ticketFilter(state: ViewState): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  if (state.teamIds.length) filter.teamIds = state.teamIds;
  if (state.channels.length) filter.channels = state.channels;
  if (state.priorities.length) filter.priorities = state.priorities;
  return filter;
}
