import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportScheduler } from '../../src/exports/scheduler.ts';
import { AlertMonitor } from '../../src/monitoring/alert-monitor.ts';
import { alertWindow, nextAlertState, sampleMeasures } from '../../src/monitoring/alerts.ts';
import { fakeClock, startWebhook, testSettings } from '../exports/helpers.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
let api: GqlClient;
let smtp: SMTPServer;
let smtpUrl: string;
let webhook: Awaited<ReturnType<typeof startWebhook>>;
const mails: { to: string[]; raw: string }[] = [];

beforeAll(async () => {
  db = await openTestDatabase();
  api = gqlClient(db);
  webhook = await startWebhook();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const address = smtp.server.address();
  smtpUrl = `smtp://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await webhook?.close();
  await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  await db?.destroy();
});

describe('alert rules: pure parts', () => {
  const at = (iso: string) => new Date(iso);
  it('walks OK -> PENDING -> FIRING -> RESOLVED -> OK, notifying on FIRING and RESOLVED only', () => {
    const pending = nextAlertState({ state: 'OK', activeSince: null }, true, at('2026-06-01T08:00:00Z'), 1800);
    expect(pending).toEqual({ state: 'PENDING', activeSince: at('2026-06-01T08:00:00Z'), changed: true, notify: false });
    expect(nextAlertState(pending, true, at('2026-06-01T08:29:59Z'), 1800).changed).toBe(false);
    const firing = nextAlertState(pending, true, at('2026-06-01T08:30:00Z'), 1800);
    expect(firing).toMatchObject({ state: 'FIRING', changed: true, notify: true });
    expect(nextAlertState(firing, true, at('2026-06-01T09:00:00Z'), 1800)).toMatchObject({ state: 'FIRING', changed: false, notify: false });
    const resolved = nextAlertState(firing, false, at('2026-06-01T09:05:00Z'), 1800);
    expect(resolved).toMatchObject({ state: 'RESOLVED', changed: true, notify: true });
    expect(nextAlertState(resolved, false, at('2026-06-01T09:10:00Z'), 1800)).toMatchObject({ state: 'OK', notify: false });
    // A condition that stops before `for` goes back to OK without notifying; no `for` fires at once.
    expect(nextAlertState(pending, false, at('2026-06-01T08:10:00Z'), 1800)).toMatchObject({ state: 'OK', notify: false });
    expect(nextAlertState({ state: 'OK', activeSince: null }, true, at('2026-06-01T08:00:00Z'), 0)).toMatchObject({ state: 'FIRING', notify: true });
  });

  it('finds a sample size for metrics from the registry', () => {
    expect(sampleMeasures('firstResponseTime.median')).toEqual(['firstResponseTime.count']);
    expect(sampleMeasures('csat.score')).toEqual(['csat.responses']);
    expect(sampleMeasures('sla.firstResponse.attainment')).toEqual(['sla.firstResponse.achieved', 'sla.firstResponse.breached']);
    expect(sampleMeasures('reopenRate')).toEqual(['ticketsSolved']);
    expect(sampleMeasures('backlog')).toBeNull();
  });

  it('"today so far" starts at local midnight, also on a DST day', () => {
    // 2026-03-29 in Berlin began at 00:00 CET = 03-28T23:00Z (the clocks moved at 02:00).
    expect(alertWindow({ windowKind: 'TODAY', windowSeconds: null, timeZone: 'Europe/Berlin' }, at('2026-03-29T10:00:00Z'))).toEqual({
      from: at('2026-03-28T23:00:00Z'),
      to: at('2026-03-29T10:00:00Z'),
    });
    expect(alertWindow({ windowKind: 'ROLLING', windowSeconds: 4 * 3600, timeZone: 'UTC' }, at('2026-03-29T10:00:00Z')).from).toEqual(at('2026-03-29T06:00:00Z'));
  });
});

const UPSERT_TICKETS = `mutation($input: [TicketInput!]!) { upsertTickets(input: $input) { created } }`;
/** Chat tickets created `minutes` before their first response at `respondedAt`. */
function chat(externalId: string, respondedAt: string, minutes: number) {
  const response = new Date(respondedAt);
  return { externalId, channel: 'CHAT', status: 'OPEN', createdAt: new Date(response.getTime() - minutes * 60_000).toISOString(), firstResponseAt: response.toISOString(), agentReplies: 1 };
}

describe('an alert rule driven by ingested tickets', () => {
  // Rule: chat first response median at most PT15M over the last 4 hours, at least 3
  // tickets, for PT30M, evaluated every 5 minutes, notifying a webhook and an e-mail.
  // | tick  | chat first responses in the window (minutes)  | median | sample | state      | notifies |
  // | 08:00 | 60 (07:30), 60 (07:45)                         | 60     | 2 < 3  | OK         | no       |
  // | 08:05 | + 50 (08:02)                                   | 60     | 3      | PENDING    | no       |
  // | 08:20 | same                                           | 60     | 3      | PENDING    | no (15 min < 30) |
  // | 08:40 | same                                           | 60     | 3      | FIRING     | yes (1)  |
  // | 08:45 | same                                           | 60     | 3      | FIRING     | no       |
  // | 08:50 | + 2, 2, 2, 2 (08:46..08:49)                    | 2      | 7      | RESOLVED   | yes (2)  |
  // | 08:55 | same                                           | 2      | 7      | OK         | no       |
  // Every tick runs in two schedulers at once: still one evaluation and one notification each.
  const clock = fakeClock('2026-06-01T08:00:00Z');
  let schedulers: ReportScheduler[];

  beforeAll(async () => {
    const settings = await testSettings({ smtpUrl });
    schedulers = [0, 1].map(
      () => new ReportScheduler({ db, gateway: api.server, settings, clock: clock.clock, jobs: [new AlertMonitor({ db, settings, clock: clock.clock })] }),
    );
  });

  async function tickAt(iso: string) {
    clock.set(iso);
    await Promise.all(schedulers.map((s) => s.tick()));
  }
  const rule = async () => (await api.query(`{ alertRules { state lastValue lastSample } }`)).data.alertRules[0];

  it('creates the rule', async () => {
    const res = await api.query(
      `mutation($input: AlertRuleInput!) { upsertAlertRule(input: $input) { name state threshold window for every minSample destinations } }`,
      {
        input: {
          name: 'Chat first response',
          metric: 'firstResponseTime.median',
          filter: { channels: ['CHAT'] },
          comparison: 'AT_MOST',
          thresholdDuration: 'PT15M',
          window: 'PT4H',
          minSample: 3,
          for: 'PT30M',
          every: 'PT5M',
          destinations: [{ webhookUrl: webhook.url }, { email: ['lead@example.com'] }],
        },
      },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.upsertAlertRule).toEqual({
      name: 'Chat first response',
      state: 'OK',
      threshold: 900,
      window: 'PT4H',
      for: 'PT30M',
      every: 'PT5M',
      minSample: 3,
      destinations: [`webhook ${new URL(webhook.url).origin}/hook`, 'email lead@example.com'],
    });
  });

  it('stays OK while the sample is too small, however slow', async () => {
    await api.query(UPSERT_TICKETS, { input: [chat('c1', '2026-06-01T07:30:00Z', 60), chat('c2', '2026-06-01T07:45:00Z', 60)] });
    await tickAt('2026-06-01T08:00:00Z');
    expect(await rule()).toEqual({ state: 'OK', lastValue: 3600, lastSample: 2 });
    expect(webhook.hits).toHaveLength(0);
    expect(mails).toHaveLength(0);
  });

  it('goes PENDING, waits `for`, then FIRING with one notification per destination', async () => {
    await api.query(UPSERT_TICKETS, { input: [chat('c3', '2026-06-01T08:02:00Z', 50)] });
    await tickAt('2026-06-01T08:05:00Z');
    expect(await rule()).toMatchObject({ state: 'PENDING', lastValue: 3600, lastSample: 3 });
    await tickAt('2026-06-01T08:20:00Z');
    expect((await rule()).state).toBe('PENDING');
    expect(webhook.hits).toHaveLength(0);
    await tickAt('2026-06-01T08:40:00Z');
    expect((await rule()).state).toBe('FIRING');
    await tickAt('2026-06-01T08:45:00Z');
    expect((await rule()).state).toBe('FIRING');
    expect(webhook.hits).toHaveLength(1);
    expect(mails).toHaveLength(1);
    const body = JSON.parse(webhook.hits[0].body.toString('utf8'));
    expect(body).toMatchObject({ event: { fromState: 'PENDING', toState: 'FIRING' }, value: 3600, threshold: 900, sample: 3 });
    expect(webhook.hits[0].headers['idempotency-key']).toMatch(/^supportgraph-alert-event-\d+$/);
    expect(mails[0].to).toEqual(['lead@example.com']);
    expect(mails[0].raw).toMatch(/Subject: \[FIRING\] Chat first response/);
  });

  it('RESOLVED when fast replies bring the median down, notified once; then OK silently', async () => {
    await api.query(UPSERT_TICKETS, {
      input: ['08:46', '08:47', '08:48', '08:49'].map((time, i) => chat(`f${i}`, `2026-06-01T${time}:00Z`, 2)),
    });
    await tickAt('2026-06-01T08:50:00Z');
    expect(await rule()).toMatchObject({ state: 'RESOLVED', lastValue: 120, lastSample: 7 });
    await tickAt('2026-06-01T08:55:00Z');
    expect((await rule()).state).toBe('OK');
    expect(webhook.hits).toHaveLength(2);
    expect(mails).toHaveLength(2);
    expect(JSON.parse(webhook.hits[1].body.toString('utf8')).event).toMatchObject({ fromState: 'FIRING', toState: 'RESOLVED' });
    expect(mails[1].raw).toMatch(/Subject: \[RESOLVED\] Chat first response/);
    // Distinct events, distinct idempotency keys.
    expect(webhook.hits[0].headers['idempotency-key']).not.toBe(webhook.hits[1].headers['idempotency-key']);
  });

  it('keeps the history in alertEvents, newest first', async () => {
    const res = await api.query(`{ alertEvents { fromState toState value threshold sample notification deliveries { kind status attempts } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.alertEvents.map((e: any) => [e.fromState, e.toState, e.value, e.sample, e.notification])).toEqual([
      ['RESOLVED', 'OK', 120, 7, null],
      ['FIRING', 'RESOLVED', 120, 7, 'SUCCEEDED'],
      ['PENDING', 'FIRING', 3600, 3, 'SUCCEEDED'],
      ['OK', 'PENDING', 3600, 3, null],
    ]);
    expect(res.data.alertEvents[1].deliveries).toEqual([
      { kind: 'WEBHOOK', status: 'DELIVERED', attempts: 1 },
      { kind: 'EMAIL', status: 'DELIVERED', attempts: 1 },
    ]);
  });

  it('a silenced rule changes state but notifies nobody', async () => {
    const { data } = await api.query(`{ alertRules { id } }`);
    await api.query(`mutation($id: ID!) { silenceAlertRule(id: $id, until: "2026-06-01T12:00:00Z") { silencedUntil } }`, { id: data.alertRules[0].id });
    await api.query(UPSERT_TICKETS, { input: ['08:56', '08:57', '08:58', '08:59', '09:00', '09:01', '09:02', '09:03', '09:04'].map((t, i) => chat(`s${i}`, `2026-06-01T${t}:00Z`, 90)) });
    // 16 tickets in the window: 9 × 90 min, 2 × 60, 1 × 50, 4 × 2 -> median 90 min, condition true:
    // PENDING at 09:05, FIRING at 09:40 (after `for` 30 min), silenced: no third webhook or mail.
    await tickAt('2026-06-01T09:05:00Z');
    await tickAt('2026-06-01T09:40:00Z');
    expect((await rule()).state).toBe('FIRING');
    expect(webhook.hits).toHaveLength(2);
    expect(mails).toHaveLength(2);
  });

  it('refuses bad rules', async () => {
    const bad = async (input: Record<string, unknown>) => {
      const res = await api.query(`mutation($input: AlertRuleInput!) { upsertAlertRule(input: $input) { name } }`, { input: { name: 'bad', ...input } });
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      return res.errors?.[0].message;
    };
    expect(await bad({ metric: 'reopenRate', comparison: 'AT_MOST', threshold: 0.1 })).toMatch(/exactly one of window/);
    expect(await bad({ metric: 'backlog', comparison: 'AT_MOST', threshold: 10, window: 'PT1H', minSample: 5 })).toMatch(/no ticket count/);
    expect(await bad({ kind: 'SLA_AT_RISK' })).toMatch(/needs within/);
    expect(await bad({ metric: 'reopenRate', comparison: 'AT_MOST', threshold: 0.1, window: 'PT1H', destinations: [{ webhookUrl: 'http://x.test/', email: ['a@b.c'] }] })).toMatch(/exactly one of webhookUrl/);
  });
});

describe('an slaAtRisk rule', () => {
  // Open tickets with first-response deadlines; the rule looks 30 minutes ahead.
  // 10:00: r1 due 10:20 (at risk), r2 due 11:00 (not yet) -> one notification naming r1.
  // 10:05: r1 still at risk, already notified -> nothing.
  // 10:35: r2 due in 25 min -> one notification naming r2 only (r1's deadline has passed).
  const clock = fakeClock('2026-07-01T10:00:00Z');
  let monitor: AlertMonitor;
  let hook: Awaited<ReturnType<typeof startWebhook>>;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    hook = await startWebhook();
    monitor = new AlertMonitor({ db, settings: await testSettings({ smtpUrl }), clock: clock.clock });
    for (const [externalId, due] of [['r1', '2026-07-01T10:20:00Z'], ['r2', '2026-07-01T11:00:00Z']] as const) {
      const t = await db.prisma.ticket.create({
        data: { externalId, channel: 'EMAIL', status: 'OPEN', createdAt: new Date('2026-07-01T09:00:00Z'), firstResponseDueAt: new Date(due) },
      });
      ids[externalId] = t.id;
    }
    const res = await api.query(`mutation($input: AlertRuleInput!) { upsertAlertRule(input: $input) { kind within } }`, {
      input: { name: 'Deadlines', kind: 'SLA_AT_RISK', within: 'PT30M', every: 'PT5M', destinations: [{ chatWebhookUrl: hook.url }] },
    });
    expect(res.data.upsertAlertRule).toEqual({ kind: 'SLA_AT_RISK', within: 'PT30M' });
  });
  afterAll(async () => hook?.close());

  const tick = async (iso: string) => {
    clock.set(iso);
    await monitor.tick(clock.clock.now());
  };

  it('notifies each ticket deadline once, in a Slack/Teams-compatible body', async () => {
    await tick('2026-07-01T10:00:00Z');
    expect(hook.hits).toHaveLength(1);
    const first = JSON.parse(hook.hits[0].body.toString('utf8'));
    expect(Object.keys(first)).toEqual(['text']);
    expect(first.text).toContain(`tickets ${ids.r1})`);
    await tick('2026-07-01T10:05:00Z');
    expect(hook.hits).toHaveLength(1);
    await tick('2026-07-01T10:35:00Z');
    expect(hook.hits).toHaveLength(2);
    expect(JSON.parse(hook.hits[1].body.toString('utf8')).text).toContain(`tickets ${ids.r2})`);
    await tick('2026-07-01T10:40:00Z');
    expect(hook.hits).toHaveLength(2);
  });
});

describe('a "today so far" rule', () => {
  // Europe/Berlin, Sun 2026-03-29 (the spring DST day): today began at 03-28T23:00Z.
  // One e-mail ticket solved 03-29T01:00Z and reopened: reopenRate 1.0 > 0.5 -> FIRING at once
  // (no `for`); the window recorded starts at local midnight.
  it('evaluates from local midnight in its zone', async () => {
    const clock = fakeClock('2026-03-29T10:00:00Z');
    const monitor = new AlertMonitor({ db, settings: await testSettings({ smtpUrl }), clock: clock.clock });
    await db.prisma.ticket.create({
      data: { externalId: 'today1', channel: 'PHONE', status: 'SOLVED', createdAt: new Date('2026-03-28T22:30:00Z'), solvedAt: new Date('2026-03-29T01:00:00Z'), reopenCount: 1 },
    });
    const res = await api.query(`mutation($input: AlertRuleInput!) { upsertAlertRule(input: $input) { id today timeZone } }`, {
      input: { name: 'Phone reopens today', metric: 'reopenRate', filter: { channels: ['PHONE'] }, comparison: 'AT_MOST', threshold: 0.5, today: true, timeZone: 'Europe/Berlin' },
    });
    expect(res.data.upsertAlertRule).toMatchObject({ today: true, timeZone: 'Europe/Berlin' });
    await monitor.tick(clock.clock.now());
    const events = await api.query(`query($rule: ID!) { alertEvents(rule: $rule) { fromState toState value sample windowFrom windowTo notification } }`, { rule: res.data.upsertAlertRule.id });
    expect(events.data.alertEvents).toEqual([
      { fromState: 'OK', toState: 'FIRING', value: 1, sample: 1, windowFrom: '2026-03-28T23:00:00.000Z', windowTo: '2026-03-29T10:00:00.000Z', notification: null },
    ]);
  });
});
