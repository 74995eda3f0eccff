import type { TicketFilterSpec } from '../analytics/filter.ts';

/** Whom a target or alert rule covers: one team, one agent, or everyone. */
export interface ScopeSpec {
  teamId: number | null;
  agentId: number | null;
}

/** A stored target or rule filter plus its scope as one ticket filter. */
export function scopedFilter(filter: TicketFilterSpec | null, scope: ScopeSpec): TicketFilterSpec {
  const out: TicketFilterSpec = { ...(filter ?? {}) };
  if (scope.teamId !== null) out.teamIds = [scope.teamId];
  if (scope.agentId !== null) out.agentIds = [scope.agentId];
  return out;
}

const LIST_FIELDS = ['channels', 'priorities', 'statuses', 'categoryIds', 'teamIds', 'agentIds', 'customerIds', 'tags'] as const;

/**
 * The tickets matching both filters, as one filter; null when no ticket can match both
 * (e.g. channels [EMAIL] and [CHAT]). Lists are "any of", so both lists given intersect;
 * one list given applies as it is; createdAt ranges intersect.
 */
export function intersectFilters(a: TicketFilterSpec | null | undefined, b: TicketFilterSpec | null | undefined): TicketFilterSpec | null {
  const out: Record<string, unknown> = {};
  const left = (a ?? {}) as Record<string, unknown>;
  const right = (b ?? {}) as Record<string, unknown>;
  for (const field of LIST_FIELDS) {
    const x = left[field] as (string | number)[] | null | undefined;
    const y = right[field] as (string | number)[] | null | undefined;
    const hasX = Array.isArray(x) && x.length > 0;
    const hasY = Array.isArray(y) && y.length > 0;
    if (hasX && hasY) {
      const both = x.filter((value) => y.includes(value));
      if (both.length === 0) return null;
      out[field] = both;
    } else if (hasX) out[field] = x;
    else if (hasY) out[field] = y;
  }
  const ca = a?.createdAt ?? null;
  const cb = b?.createdAt ?? null;
  if (ca && cb) {
    const from = new Date(Math.max(ca.from.getTime(), cb.from.getTime()));
    const to = new Date(Math.min(ca.to.getTime(), cb.to.getTime()));
    if (from.getTime() >= to.getTime()) return null;
    out.createdAt = { from, to };
  } else if (ca ?? cb) out.createdAt = ca ?? cb;
  return out as TicketFilterSpec;
}

/** A filter as stored in JSON (createdAt as ISO strings) back to a spec. */
export function storedFilter(json: unknown): TicketFilterSpec | null {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return null;
  const raw = json as Record<string, unknown> & { createdAt?: { from: string; to: string } | null };
  const spec = { ...raw } as TicketFilterSpec;
  if (raw.createdAt) spec.createdAt = { from: new Date(raw.createdAt.from), to: new Date(raw.createdAt.to) };
  return spec;
}
