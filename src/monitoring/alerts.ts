import { DateTime, Duration } from 'luxon';
import { validTimeZone } from '../analytics/buckets.ts';
import type { TicketFilterSpec, TimeRange } from '../analytics/filter.ts';
import { MEASURES, measureAt, type EventSource } from '../analytics/registry.ts';
import { badInput } from '../errors.ts';
import type { AlertRule, AlertState, Target } from '../generated/prisma/client.ts';
import { amountInMeasureUnit, checkedMeasure, type AmountUnit, type Comparison } from './amounts.ts';
import type { ScopeSpec } from './filters.ts';

// ---------------------------------------------------------------------------
// Sample size: how many tickets (or responses) a metric's value rests on.

const SOURCE_SAMPLE: Partial<Record<EventSource, string[]>> = {
  created: ['ticketsCreated'],
  solved: ['ticketsSolved'],
  firstResponse: ['firstResponseTime.count'],
  slaFirstResponse: ['sla.firstResponse.achieved', 'sla.firstResponse.breached'],
  slaResolution: ['sla.resolution.achieved', 'sla.resolution.breached'],
};

/**
 * The measures whose sum is a metric's sample size, from the registry: the group's own
 * `count` or `responses` (a duration's tickets, a survey's responses), else an SLA
 * group's achieved + breached, else the count of the metric's event source. Null when
 * the registry offers none (a stock such as backlog).
 */
export function sampleMeasures(path: string): string[] | null {
  const entry = measureAt(path);
  if (!entry || entry.leaf.stock) return null;
  const parent = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
  if (parent) {
    for (const name of ['count', 'responses']) if (measureAt(`${parent}.${name}`)) return [`${parent}.${name}`];
    if (measureAt(`${parent}.achieved`) && measureAt(`${parent}.breached`)) return [`${parent}.achieved`, `${parent}.breached`];
  }
  const bySource = SOURCE_SAMPLE[entry.leaf.source];
  if (bySource && bySource.every((p) => measureAt(p))) return bySource;
  // A source added later: the first plain ticket count over it.
  const count = MEASURES.find((m) => m.leaf.source === entry.leaf.source && m.leaf.type === 'Int' && m.leaf.empty === 'zero' && !m.leaf.stock && m.path.endsWith('count'));
  return count ? [count.path] : null;
}

// ---------------------------------------------------------------------------
// Windows

/** The window a rule is evaluated over at `now`: the last N seconds, or today so far in the rule's zone. */
export function alertWindow(rule: Pick<AlertRule, 'windowKind' | 'windowSeconds' | 'timeZone'>, now: Date): TimeRange {
  if (rule.windowKind === 'TODAY') {
    return { from: DateTime.fromJSDate(now, { zone: rule.timeZone }).startOf('day').toJSDate(), to: now };
  }
  return { from: new Date(now.getTime() - (rule.windowSeconds ?? 3600) * 1000), to: now };
}

// ---------------------------------------------------------------------------
// States: OK -> PENDING (condition true, waiting `for`) -> FIRING -> RESOLVED -> OK

/** What one evaluation does to a rule's state, and whether that change notifies. */
export interface Transition {
  state: AlertState;
  activeSince: Date | null;
  changed: boolean;
  /** FIRING and RESOLVED notify; PENDING and OK do not. */
  notify: boolean;
}

/**
 * The next state. A true condition moves OK/RESOLVED to PENDING (or straight to FIRING
 * with no `for`), and PENDING to FIRING once it has held `for`; a false one moves
 * PENDING back to OK, FIRING to RESOLVED, and RESOLVED to OK.
 */
export function nextAlertState(current: { state: AlertState; activeSince: Date | null }, condition: boolean, now: Date, forSeconds: number): Transition {
  const stay = { state: current.state, activeSince: current.activeSince, changed: false, notify: false };
  if (condition) {
    if (current.state === 'FIRING') return stay;
    const since = current.state === 'PENDING' && current.activeSince ? current.activeSince : now;
    if (now.getTime() - since.getTime() >= forSeconds * 1000) return { state: 'FIRING', activeSince: since, changed: true, notify: true };
    if (current.state === 'PENDING') return stay;
    return { state: 'PENDING', activeSince: since, changed: true, notify: false };
  }
  if (current.state === 'FIRING') return { state: 'RESOLVED', activeSince: null, changed: true, notify: true };
  if (current.state === 'PENDING' || current.state === 'RESOLVED') return { state: 'OK', activeSince: null, changed: true, notify: false };
  return stay;
}

// ---------------------------------------------------------------------------
// Rule definitions

/** Where an alert notifies: a JSON webhook, a Slack/Teams incoming webhook, or e-mail. */
export type AlertDestination = { webhookUrl: string } | { chatWebhookUrl: string } | { email: string[] };

/** An alert rule as upsertAlertRule receives it (ids decoded). */
export interface AlertRuleInputValue {
  name: string;
  kind: 'METRIC' | 'SLA_AT_RISK';
  target: Target | null;
  metric?: string | null;
  filter: TicketFilterSpec | null;
  scope: ScopeSpec;
  comparison?: Comparison | null;
  threshold?: number | null;
  thresholdDuration?: string | null;
  unit?: AmountUnit | null;
  window?: string | null;
  today?: boolean | null;
  timeZone?: string | null;
  minSample?: number | null;
  for?: string | null;
  every?: string | null;
  within?: string | null;
  destinations?: { webhookUrl?: URL | string | null; chatWebhookUrl?: URL | string | null; email?: string[] | null }[] | null;
  silencedUntil?: Date | null;
}

function seconds(value: string | null | undefined, argument: string, fallback: number, min: number): number {
  if (value === null || value === undefined) return fallback;
  const d = Duration.fromISO(value);
  if (!d.isValid || d.years || d.months) throw badInput(`${argument}: "${value}" must be an ISO 8601 duration in days, hours, minutes or seconds, e.g. PT30M`, { argument });
  const s = d.as('seconds');
  if (!(s >= min)) throw badInput(`${argument}: must be at least ${min} seconds (got ${s})`, { argument });
  return Math.round(s);
}

function checkDestinations(list: AlertRuleInputValue['destinations']): AlertDestination[] {
  const items = list ?? [];
  if (items.length > 20) throw badInput('an alert rule has at most 20 destinations', { argument: 'input.destinations' });
  return items.map((d, i): AlertDestination => {
    const argument = `input.destinations[${i}]`;
    const given = [d.webhookUrl, d.chatWebhookUrl, d.email].filter((v) => v !== null && v !== undefined);
    if (given.length !== 1) throw badInput(`${argument} must set exactly one of webhookUrl, chatWebhookUrl or email`, { argument });
    if (d.email) {
      if (d.email.length === 0 || d.email.length > 50) throw badInput(`${argument}.email needs 1 to 50 addresses`, { argument: `${argument}.email` });
      return { email: [...new Set(d.email)] };
    }
    const raw = String(d.webhookUrl ?? d.chatWebhookUrl);
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badInput(`${argument}: the webhook must be an http or https URL`, { argument });
    return d.webhookUrl ? { webhookUrl: url.toString() } : { chatWebhookUrl: url.toString() };
  });
}

/** The columns of a checked rule. */
export type AlertRuleData = Pick<
  AlertRule,
  | 'name' | 'kind' | 'targetId' | 'metric' | 'scopeTeamId' | 'scopeAgentId' | 'comparison' | 'threshold' | 'windowKind' | 'windowSeconds'
  | 'timeZone' | 'minSample' | 'forSeconds' | 'everySeconds' | 'withinSeconds' | 'silencedUntil'
> & { filter: TicketFilterSpec | null; destinations: AlertDestination[] };

/**
 * Checks an alert rule. A METRIC rule takes its metric, filter, scope, comparison and
 * threshold from a target, or states them itself, plus a window (`window: PT4H`, or
 * `today` in `timeZone`); an SLA_AT_RISK rule needs `within`.
 */
export function validateAlertRule(input: AlertRuleInputValue): AlertRuleData {
  const name = input.name?.trim() ?? '';
  if (name === '' || name.length > 200) throw badInput('input.name must be 1 to 200 characters', { argument: 'input.name' });
  const timeZone = validTimeZone(input.timeZone ?? input.target?.timeZone ?? 'UTC', 'input.timeZone');
  const minSample = input.minSample ?? 0;
  if (!Number.isInteger(minSample) || minSample < 0) throw badInput('input.minSample must be a whole number, 0 or more', { argument: 'input.minSample' });
  const common = {
    name,
    kind: input.kind,
    timeZone,
    minSample,
    forSeconds: seconds(input.for, 'input.for', 0, 0),
    everySeconds: seconds(input.every, 'input.every', 60, 10),
    silencedUntil: input.silencedUntil ?? null,
    destinations: checkDestinations(input.destinations),
  };
  if (input.kind === 'SLA_AT_RISK') {
    if (input.within === null || input.within === undefined) throw badInput('an SLA_AT_RISK rule needs within, e.g. "PT30M"', { argument: 'input.within' });
    return {
      ...common,
      targetId: null,
      metric: null,
      filter: input.filter,
      scopeTeamId: input.scope.teamId,
      scopeAgentId: input.scope.agentId,
      comparison: null,
      threshold: null,
      windowKind: 'ROLLING',
      windowSeconds: null,
      withinSeconds: seconds(input.within, 'input.within', 0, 1),
    };
  }
  const windowGiven = [input.window, input.today ? true : null].filter((v) => v !== null && v !== undefined).length;
  if (windowGiven !== 1) throw badInput('input: give exactly one of window (a rolling duration such as "PT4H") or today: true', { argument: 'input.window' });
  const windowKind = input.today ? 'TODAY' : 'ROLLING';
  const windowSeconds = input.today ? null : seconds(input.window, 'input.window', 0, 60);
  const own = [input.metric, input.comparison, input.threshold, input.thresholdDuration].some((v) => v !== null && v !== undefined);
  if (input.target) {
    if (own) throw badInput('input: a rule on a target takes metric, comparison and threshold from it; leave them out', { argument: 'input.targetId' });
    const filterAndScope = input.filter || input.scope.teamId !== null || input.scope.agentId !== null;
    if (filterAndScope) throw badInput('input: a rule on a target takes its filter and scope from it; leave them out', { argument: 'input.targetId' });
    const t = input.target;
    const rule = { ...common, targetId: t.id, metric: t.metric, filter: null, scopeTeamId: null, scopeAgentId: null, comparison: t.comparison, threshold: t.threshold };
    checkSample(t.metric, minSample);
    return { ...rule, windowKind, windowSeconds, withinSeconds: null };
  }
  if (!input.metric || !input.comparison) throw badInput('input: a METRIC rule needs a targetId, or a metric, comparison and threshold', { argument: 'input.metric' });
  const entry = checkedMeasure(input.metric, 'input.metric');
  if (input.scope.teamId !== null && input.scope.agentId !== null) throw badInput('input.scope: give a teamId or an agentId, not both', { argument: 'input.scope' });
  checkSample(entry.path, minSample);
  return {
    ...common,
    targetId: null,
    metric: entry.path,
    filter: input.filter,
    scopeTeamId: input.scope.teamId,
    scopeAgentId: input.scope.agentId,
    comparison: input.comparison,
    threshold: amountInMeasureUnit(entry, { value: input.threshold, duration: input.thresholdDuration, unit: input.unit }, 'input.threshold'),
    windowKind,
    windowSeconds,
    withinSeconds: null,
  };
}

function checkSample(metric: string, minSample: number): void {
  if (minSample > 0 && !sampleMeasures(metric)) {
    throw badInput(`input.minSample: ${metric} has no ticket count to check a sample size against; leave minSample out`, { argument: 'input.minSample' });
  }
}
