import { Prisma } from '../generated/prisma/client.ts';
import type { AlertEvent, AlertRule, AlertState } from '../generated/prisma/client.ts';
import type { Database } from '../db/client.ts';
import { computeTotals } from '../analytics/engine.ts';
import { ticketFilterSql, UNRESTRICTED } from '../analytics/filter.ts';
import type { ExportSettings } from '../config.ts';
import { claimLeased } from '../exports/claims.ts';
import { systemClock, type Clock } from '../exports/clock.ts';
import { deliverMessage, describeMessageDestination, type DeliveryMessage } from '../exports/deliveries.ts';
import type { ScheduledJob } from '../exports/scheduler.ts';
import type { Logger } from '../logger.ts';
import { compareWithThreshold, type Comparison } from './amounts.ts';
import { alertWindow, nextAlertState, sampleMeasures, type AlertDestination } from './alerts.ts';
import { scopedFilter, storedFilter } from './filters.ts';
import { valueAtPath } from './origins.ts';

/** What the alert monitor needs. */
export interface AlertMonitorDeps {
  db: Database;
  settings: Pick<ExportSettings, 'smtpUrl' | 'smtpFrom' | 'leaseMs' | 'retryDelaysMs'>;
  clock?: Clock;
  logger?: Logger;
}

/** What one evaluation measured. */
interface Measurement {
  value: number | null;
  sample: number | null;
  threshold: number | null;
  condition: boolean;
  windowFrom: Date | null;
  windowTo: Date | null;
  /** SLA_AT_RISK: ticket deadlines at risk now, not yet notified by this rule. */
  newRisks?: { ticketId: number; target: string; dueAt: Date }[];
  atRisk?: number;
}

/** A delivery result of one notification destination, as stored on the event. */
interface AlertDelivery {
  destination: string;
  kind: 'WEBHOOK' | 'CHAT' | 'EMAIL';
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  attempts: number;
  detail: string | null;
  error: string | null;
  deliveredAt: string | null;
}

const OPEN_STATUSES = ['NEW', 'OPEN', 'PENDING', 'ON_HOLD'];

/**
 * Evaluates alert rules inside the report scheduler's passes (a ScheduledJob) and
 * delivers their notifications. A due rule is claimed with FOR UPDATE SKIP LOCKED and a
 * lease, exactly like a report slot, evaluated with ONE engine statement over its window,
 * and its state change written fenced by the claim; a notification is an AlertEvent row
 * claimed like a report run (src/exports/claims.ts). So two server processes never
 * evaluate a rule twice at once nor notify twice.
 */
export class AlertMonitor implements ScheduledJob {
  readonly name = 'alerts';
  private readonly clock: Clock;

  constructor(private readonly deps: AlertMonitorDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  /** One pass: evaluate every due rule, then deliver every pending notification; returns the evaluations. */
  async tick(now: Date = this.clock.now()): Promise<number> {
    let evaluated = 0;
    for (;;) {
      const claimed = await this.claimRule(now);
      if (!claimed) break;
      await this.evaluate(claimed.id, claimed.claim, now).catch((error: unknown) => {
        this.deps.logger?.warn({ ruleId: claimed.id, error: error instanceof Error ? error.message : String(error) }, 'alert evaluation failed');
      });
      evaluated += 1;
    }
    await this.deliverPending();
    return evaluated;
  }

  /** Claims one due rule (nextEvalAt passed, or null for a new or changed rule; no live lease) and moves its nextEvalAt on. */
  async claimRule(now: Date): Promise<{ id: number; claim: number } | null> {
    return this.deps.db.driver.transaction(async (tx) => {
      const [row] = await tx.query<{ id: number; everySeconds: number }>(
        `SELECT "id", "everySeconds" FROM "AlertRule"
          WHERE ("nextEvalAt" IS NULL OR "nextEvalAt" <= $1::timestamptz)
            AND ("evalLeaseUntil" IS NULL OR "evalLeaseUntil" < $1::timestamptz)
          ORDER BY "nextEvalAt" NULLS FIRST, "id" LIMIT 1
          FOR UPDATE SKIP LOCKED`,
        [now.toISOString()],
      );
      if (!row) return null;
      const [claimed] = await tx.query<{ claims: number }>(
        `UPDATE "AlertRule" SET "evalLeaseUntil" = $2::timestamptz, "nextEvalAt" = $3::timestamptz, "claims" = "claims" + 1
          WHERE "id" = $1 RETURNING "claims"`,
        [row.id, new Date(now.getTime() + this.deps.settings.leaseMs).toISOString(), new Date(now.getTime() + row.everySeconds * 1000).toISOString()],
      );
      return { id: row.id, claim: claimed.claims };
    });
  }

  /** Measures a METRIC rule: one engine statement for the value and its sample size. */
  private async measureMetric(rule: AlertRule, now: Date): Promise<Measurement> {
    const target = rule.targetId === null ? null : await this.deps.db.prisma.target.findUnique({ where: { id: rule.targetId } });
    const metric = target?.metric ?? rule.metric;
    const comparison = (target?.comparison ?? rule.comparison) as Comparison | null;
    const threshold = target?.threshold ?? rule.threshold;
    const window = alertWindow(rule, now);
    const none = { value: null, sample: null, threshold, condition: false, windowFrom: window.from, windowTo: window.to };
    if (!metric || !comparison || threshold === null || window.from.getTime() >= window.to.getTime()) return none;
    const filter = target
      ? scopedFilter(storedFilter(target.filter), { teamId: target.scopeTeamId, agentId: target.scopeAgentId })
      : scopedFilter(storedFilter(rule.filter), { teamId: rule.scopeTeamId, agentId: rule.scopeAgentId });
    const sampleOf = sampleMeasures(metric) ?? [];
    // Exact percentiles: a page should not hinge on a histogram's 1 % (windows are short).
    const values = await computeTotals(this.deps.db, { range: window, filter, scope: UNRESTRICTED, measures: [metric, ...sampleOf], now, exact: true });
    const value = valueAtPath(values, metric);
    const sample = sampleOf.length ? sampleOf.reduce((sum, path) => sum + (valueAtPath(values, path) ?? 0), 0) : null;
    // A sample below the minimum never makes the condition true: one slow ticket at 6 am pages nobody.
    const enough = rule.minSample === 0 || (sample ?? 0) >= rule.minSample;
    const condition = enough && compareWithThreshold(value, comparison, threshold).status === 'MISSED';
    return { value, sample, threshold, condition, windowFrom: window.from, windowTo: window.to };
  }

  /** Measures an SLA_AT_RISK rule: one statement for the open deadlines due within `within` that this rule has not notified yet. */
  private async measureRisk(rule: AlertRule, now: Date): Promise<Measurement> {
    const until = new Date(now.getTime() + (rule.withinSeconds ?? 0) * 1000);
    const where = ticketFilterSql(scopedFilter(storedFilter(rule.filter), { teamId: rule.scopeTeamId, agentId: rule.scopeAgentId }), UNRESTRICTED, 't');
    const rows = await this.deps.db.prisma.$queryRaw<{ id: number; target: string; due: Date; notified: boolean }[]>(Prisma.sql`
      WITH cand AS (
        SELECT t.id, 'FIRST_RESPONSE' AS target, t."firstResponseDueAt" AS due FROM "Ticket" t
         WHERE t."firstResponseDueAt" > ${now} AND t."firstResponseDueAt" <= ${until}
           AND t."firstResponseAt" IS NULL AND t."solvedAt" IS NULL AND t.status::text = ANY(${OPEN_STATUSES}::text[]) AND ${where}
        UNION ALL
        SELECT t.id, 'RESOLUTION' AS target, t."resolutionDueAt" AS due FROM "Ticket" t
         WHERE t."resolutionDueAt" > ${now} AND t."resolutionDueAt" <= ${until}
           AND t."solvedAt" IS NULL AND t.status::text = ANY(${OPEN_STATUSES}::text[]) AND ${where}
      )
      SELECT c.id, c.target, c.due, (n."ticketId" IS NOT NULL) AS notified
        FROM cand c LEFT JOIN "AlertTicketNotice" n ON n."ruleId" = ${rule.id} AND n."ticketId" = c.id AND n."target" = c.target
       ORDER BY c.due, c.id`);
    const fresh = rows.filter((r) => !r.notified).map((r) => ({ ticketId: r.id, target: r.target, dueAt: new Date(r.due) }));
    return { value: rows.length, sample: rows.length, threshold: null, condition: rows.length > 0, windowFrom: now, windowTo: until, newRisks: fresh, atRisk: rows.length };
  }

  /** Evaluates a claimed rule and records the outcome, fenced by the claim. */
  async evaluate(ruleId: number, claim: number, now: Date): Promise<void> {
    const rule = await this.deps.db.prisma.alertRule.findUnique({ where: { id: ruleId } });
    if (!rule || rule.claims !== claim) return;
    const m = rule.kind === 'SLA_AT_RISK' ? await this.measureRisk(rule, now) : await this.measureMetric(rule, now);
    const silenced = rule.silencedUntil !== null && rule.silencedUntil.getTime() > now.getTime();
    const destinations = Array.isArray(rule.destinations) ? (rule.destinations as unknown as AlertDestination[]) : [];
    await this.deps.db.prisma.$transaction(async (tx) => {
      // Fence: a process that lost its claim (stalled past the lease) writes nothing.
      const locked = await tx.$queryRaw<{ id: number }[]>`SELECT "id" FROM "AlertRule" WHERE "id" = ${ruleId} AND "claims" = ${claim} FOR UPDATE`;
      if (locked.length === 0) return;
      let next: { state: AlertState; activeSince: Date | null; changed: boolean; notify: boolean };
      let ticketIds: number[] = [];
      if (rule.kind === 'SLA_AT_RISK') {
        // Each at-risk deadline notifies once per rule: the notice's key makes sure of it.
        const inserted: number[] = [];
        for (const risk of m.newRisks ?? []) {
          const rows = await tx.$queryRaw<{ ticketId: number }[]>`
            INSERT INTO "AlertTicketNotice" ("ruleId", "ticketId", "target", "dueAt", "eventId")
            VALUES (${ruleId}, ${risk.ticketId}, ${risk.target}, ${risk.dueAt}, 0)
            ON CONFLICT DO NOTHING RETURNING "ticketId"`;
          inserted.push(...rows.map((r) => r.ticketId));
        }
        ticketIds = [...new Set(inserted)];
        const state: AlertState = (m.atRisk ?? 0) > 0 ? 'FIRING' : 'OK';
        next = { state, activeSince: state === 'FIRING' ? (rule.activeSince ?? now) : null, changed: ticketIds.length > 0, notify: ticketIds.length > 0 };
      } else {
        next = nextAlertState({ state: rule.state, activeSince: rule.activeSince }, m.condition, now, rule.forSeconds);
      }
      await tx.alertRule.update({
        where: { id: ruleId },
        data: {
          state: next.state,
          activeSince: next.activeSince,
          ...(next.changed && next.state !== rule.state ? { stateSince: now } : {}),
          lastValue: m.value,
          lastSample: m.sample,
          lastEvaluatedAt: now,
          evalLeaseUntil: null,
        },
      });
      if (!next.changed) return;
      const notify = next.notify && !silenced && destinations.length > 0;
      const event = await tx.alertEvent.create({
        data: {
          ruleId,
          fromState: rule.state,
          toState: rule.kind === 'SLA_AT_RISK' ? 'FIRING' : next.state,
          value: m.value,
          threshold: m.threshold,
          sample: m.sample,
          windowFrom: m.windowFrom,
          windowTo: m.windowTo,
          ticketIds,
          at: now,
          status: notify ? 'PENDING' : null,
          deliveries: notify
            ? (destinations.map((d) => ({ ...describeMessageDestination(d), status: 'PENDING', attempts: 0, detail: null, error: null, deliveredAt: null })) as Prisma.InputJsonValue)
            : [],
        },
      });
      if (ticketIds.length > 0) {
        await tx.alertTicketNotice.updateMany({ where: { ruleId, ticketId: { in: ticketIds }, eventId: 0 }, data: { eventId: event.id } });
      }
    });
  }

  /** Delivers every pending notification (and resumes those whose process died). */
  async deliverPending(): Promise<number> {
    let delivered = 0;
    for (;;) {
      const claimed = await claimLeased(this.deps.db.driver, 'AlertEvent', this.clock.now(), this.deps.settings.leaseMs);
      if (!claimed) break;
      await this.deliverEvent(claimed.id, claimed.claim);
      delivered += 1;
    }
    return delivered;
  }

  private async fenced(eventId: number, claim: number, data: Prisma.AlertEventUpdateManyMutationInput): Promise<boolean> {
    const { count } = await this.deps.db.prisma.alertEvent.updateMany({ where: { id: eventId, claims: claim, status: 'RUNNING' }, data });
    return count === 1;
  }

  private async deliverEvent(eventId: number, claim: number): Promise<void> {
    const event = await this.deps.db.prisma.alertEvent.findUnique({ where: { id: eventId } });
    if (!event || event.claims !== claim) return;
    const rule = await this.deps.db.prisma.alertRule.findUnique({ where: { id: event.ruleId } });
    if (!rule) {
      await this.fenced(eventId, claim, { status: 'FAILED', error: 'the rule was deleted', finishedAt: this.clock.now(), leaseUntil: null });
      return;
    }
    const destinations = Array.isArray(rule.destinations) ? (rule.destinations as unknown as AlertDestination[]) : [];
    const results = (Array.isArray(event.deliveries) ? (event.deliveries as unknown as AlertDelivery[]) : []).map((r) => ({ ...r }));
    const message = alertMessage(rule, event);
    const delays = this.deps.settings.retryDelaysMs;
    for (const [i, destination] of destinations.entries()) {
      const described = describeMessageDestination(destination);
      const result = results[i] && results[i].destination === described.destination ? results[i] : (results[i] = { ...described, status: 'PENDING', attempts: 0, detail: null, error: null, deliveredAt: null });
      // A resumed notification sends only to the destinations not reached yet.
      if (result.status === 'DELIVERED') continue;
      for (;;) {
        if (!(await this.fenced(eventId, claim, { leaseUntil: new Date(this.clock.now().getTime() + this.deps.settings.leaseMs) }))) return;
        result.attempts += 1;
        try {
          result.detail = await deliverMessage(destination, message, this.deps.settings as ExportSettings);
          result.status = 'DELIVERED';
          result.error = null;
          result.deliveredAt = this.clock.now().toISOString();
        } catch (error) {
          result.error = error instanceof Error ? error.message : String(error);
          result.status = result.attempts > delays.length ? 'FAILED' : 'PENDING';
        }
        if (!(await this.fenced(eventId, claim, { deliveries: results as unknown as Prisma.InputJsonValue }))) return;
        if (result.status !== 'PENDING') break;
        await this.clock.sleep(delays[result.attempts - 1]);
      }
    }
    const failed = results.filter((r) => r.status === 'FAILED');
    const error = failed.length === 0 ? null : failed.map((r) => `${r.destination}: ${r.error} (after ${r.attempts} attempts)`).join('; ');
    if (error) this.deps.logger?.warn({ eventId, ruleId: rule.id, error }, 'alert notification failed');
    await this.fenced(eventId, claim, { status: failed.length === 0 ? 'SUCCEEDED' : 'FAILED', error, finishedAt: this.clock.now(), leaseUntil: null });
  }
}

const fmt = (n: number | null) => (n === null ? 'no data' : Number.isInteger(n) ? String(n) : n.toFixed(4).replace(/0+$/, ''));

/** The notification of a state change: subject, readable text, and the webhook's JSON body. */
export function alertMessage(rule: AlertRule, event: AlertEvent): DeliveryMessage {
  const subject = `[${event.toState}] ${rule.name}`;
  const window = event.windowFrom && event.windowTo ? `${event.windowFrom.toISOString()} to ${event.windowTo.toISOString()}` : '';
  const text =
    rule.kind === 'SLA_AT_RISK'
      ? `${event.ticketIds.length} ticket(s) will breach their SLA within ${Math.round((rule.withinSeconds ?? 0) / 60)} minutes (tickets ${event.ticketIds.join(', ')}).`
      : `${rule.metric} is ${fmt(event.value)} (${rule.comparison === 'AT_LEAST' ? 'at least' : 'at most'} ${fmt(event.threshold)} wanted) ` +
        `over ${window}, from ${event.sample ?? 'an unknown number of'} tickets; ${event.fromState} -> ${event.toState}.`;
  return {
    subject,
    text,
    idempotencyKey: `supportgraph-alert-event-${event.id}`,
    payload: {
      rule: { id: rule.id, name: rule.name, kind: rule.kind, metric: rule.metric, comparison: rule.comparison },
      event: { id: event.id, fromState: event.fromState, toState: event.toState, at: event.at.toISOString() },
      value: event.value,
      threshold: event.threshold,
      sample: event.sample,
      window: event.windowFrom && event.windowTo ? { from: event.windowFrom.toISOString(), to: event.windowTo.toISOString() } : null,
      ticketIds: event.ticketIds,
    },
  };
}
