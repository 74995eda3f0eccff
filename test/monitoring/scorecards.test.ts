import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentPoints } from '../../src/monitoring/scorecards.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
let api: GqlClient;

// The seed's card: resolution time median 40 % (best PT4H = 14400 s, worst PT24H = 86400 s),
// first-contact resolution 30 % (best 0.8, worst 0.2), CSAT score 30 % (best 100, worst 50).
const CARD = {
  name: 'Service score',
  components: [
    { metric: 'resolutionTime.median', weight: 40, bestDuration: 'PT4H', worstDuration: 'PT24H' },
    { metric: 'firstContactResolutionRate', weight: 30, best: 80, worst: 20, unit: 'PERCENT' },
    { metric: 'csat.score', weight: 30, best: 100, worst: 50 },
  ],
};

// Three teams, all tickets created 2026-05-04 00:00 UTC and solved that day or the next
// (one agent each; "fcr" = one agent reply, never reopened):
// | team  | resolution hours | fcr tickets | CSAT ratings |
// | Alpha | 2, 4, 6          | 2 of 3      | 5, 5, 4, 2   |
// | Beta  | 20, 30           | 1 of 2      | 5, 5         |
// | Gamma | 10, 14           | 2 of 2      | none         |
// Alpha: median 4 h -> 100 points; FCR 2/3 -> (2/3 - 0.2) / 0.6 = 7/9 -> 77.78; CSAT 3/4 = 75 % -> 50.
//        score 0.4·100 + 0.3·700/9 + 0.3·50 = 40 + 70/3 + 15 = 235/3 = 78.333…
// Beta:  median 25 h -> beyond worst, clamped to 0; FCR 0.5 -> 50; CSAT 100 % -> 100.
//        score 0 + 15 + 30 = 45
// Gamma: median 12 h -> (43200 - 86400) / (14400 - 86400) = 0.6 -> 60; FCR 1.0 -> clamped 100;
//        CSAT no responses -> score null with the reason.
// All teams: median of 2,4,6,10,14,20,30 h = 10 h -> 70; FCR 5/7 -> (5/7 - 0.2) / 0.6 = 6/7 -> 85.71;
//        CSAT 5 of 6 -> 83.33 % -> 66.67. score 28 + 0.3·600/7 + 0.3·200/3 = 48 + 180/7 = 73.714…
const TEAMS = {
  alpha: { hours: [2, 4, 6], fcr: [true, true, false], csat: [5, 5, 4, 2] },
  beta: { hours: [20, 30], fcr: [true, false], csat: [5, 5] },
  gamma: { hours: [10, 14], fcr: [true, true], csat: [] as number[] },
};
const CREATED = Date.parse('2026-05-04T00:00:00Z');
const RANGE = { from: '2026-05-04T00:00:00Z', to: '2026-05-06T00:00:00Z' };
const teamIds: Record<string, string> = {};

beforeAll(async () => {
  db = await openTestDatabase();
  api = gqlClient(db);
  for (const [name, spec] of Object.entries(TEAMS)) {
    const team = await db.prisma.team.create({ data: { externalId: name, name } });
    const agent = await db.prisma.agent.create({ data: { externalId: `${name}-agent`, name: `${name} agent`, teamId: team.id } });
    const ticketIds: number[] = [];
    for (const [i, hours] of spec.hours.entries()) {
      const ticket = await db.prisma.ticket.create({
        data: {
          externalId: `${name}-${i}`,
          channel: 'EMAIL',
          status: 'SOLVED',
          teamId: team.id,
          assigneeId: agent.id,
          createdAt: new Date(CREATED),
          firstResponseAt: new Date(CREATED + 1_800_000),
          solvedAt: new Date(CREATED + hours * 3_600_000),
          agentReplies: spec.fcr[i] ? 1 : 2,
          reopenCount: 0,
        },
      });
      ticketIds.push(ticket.id);
    }
    for (const [i, score] of spec.csat.entries()) {
      await db.prisma.feedback.create({
        data: { externalId: `${name}-f${i}`, kind: 'CSAT', score, createdAt: new Date(CREATED + 40 * 3_600_000), ticketId: ticketIds[i % ticketIds.length] },
      });
    }
  }
  const { data } = await api.query(`{ teams { id name } }`);
  for (const team of data.teams) teamIds[team.name] = team.id;
});
afterAll(async () => db?.destroy());

const SCORE = `serviceScore(scorecard: "Service score") { score reason components { metric value points weightedPoints } }`;

describe('component points', () => {
  it.each([
    // value, best, worst, points
    [14400, 14400, 86400, 100],
    [43200, 14400, 86400, 60],
    [90000, 14400, 86400, 0],
    [3600, 14400, 86400, 100],
    [0.5, 0.8, 0.2, 50],
    [1, 0.8, 0.2, 100],
    [null, 0.8, 0.2, null],
  ])('value %s between best %s and worst %s scores %s', (value, best, worst, points) => {
    const got = componentPoints(value, best, worst);
    if (points === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(points, 9);
  });
});

describe('scorecards over GraphQL', () => {
  it('stores the card with best/worst in the metric units', async () => {
    const res = await api.query(`mutation($input: ScorecardInput!) { upsertScorecard(input: $input) { name components { metric weight best worst unit } } }`, { input: CARD });
    expect(res.errors).toBeUndefined();
    expect(res.data.upsertScorecard.components).toEqual([
      { metric: 'resolutionTime.median', weight: 40, best: 14400, worst: 86400, unit: 'seconds' },
      { metric: 'firstContactResolutionRate', weight: 30, best: 0.8, worst: 0.2, unit: 'fraction 0..1' },
      { metric: 'csat.score', weight: 30, best: 100, worst: 50, unit: 'percent' },
    ]);
  });

  it('ranks three teams in breakdown(by: [TEAM]) with each component explained', async () => {
    const res = await api.query(`query($range: DateTimeRange!) { breakdown(by: [TEAM], range: $range, exact: true) { key { team { name } } metrics { ${SCORE} } } }`, {
      range: RANGE,
    });
    expect(res.errors).toBeUndefined();
    const byTeam = Object.fromEntries(res.data.breakdown.map((g: any) => [g.key.team.name, g.metrics.serviceScore]));
    expect(byTeam.alpha.score).toBeCloseTo(235 / 3, 9);
    expect(byTeam.alpha.reason).toBeNull();
    expect(byTeam.alpha.components.map((c: any) => c.value)).toEqual([14400, expect.closeTo(2 / 3, 12), 75]);
    expect(byTeam.alpha.components.map((c: any) => c.points)).toEqual([100, expect.closeTo(700 / 9, 9), 50]);
    expect(byTeam.alpha.components.map((c: any) => c.weightedPoints)).toEqual([40, expect.closeTo(70 / 3, 9), 15]);
    expect(byTeam.beta.score).toBeCloseTo(45, 9);
    expect(byTeam.beta.components.map((c: any) => c.points)).toEqual([0, expect.closeTo(50, 9), 100]);
    expect(byTeam.gamma.score).toBeNull();
    expect(byTeam.gamma.reason).toMatch(/no data for csat\.score/);
    expect(byTeam.gamma.components.map((c: any) => c.points)).toEqual([expect.closeTo(60, 9), 100, null]);
  });

  it('is the same in metrics, per team, per agent, and in a time series', async () => {
    const res = await api.query(
      `query($range: DateTimeRange!, $alpha: [ID!]) {
        metrics(range: $range, exact: true) { ${SCORE} }
        teams { name metrics(range: $range, exact: true) { serviceScore(scorecard: "Service score") { score } } }
        agents(first: 10) { nodes { name metrics(range: $range, exact: true) { serviceScore(scorecard: "Service score") { score } } } }
        timeSeries(range: $range, granularity: DAY, filter: { teamIds: $alpha }, exact: true) { label metrics { serviceScore(scorecard: "Service score") { score reason } } }
      }`,
      { range: RANGE, alpha: [teamIds.alpha] },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.metrics.serviceScore.score).toBeCloseTo(48 + 180 / 7, 9);
    const teams = Object.fromEntries(res.data.teams.map((t: any) => [t.name, t.metrics.serviceScore.score]));
    expect(teams.alpha).toBeCloseTo(235 / 3, 9);
    expect(teams.beta).toBeCloseTo(45, 9);
    expect(teams.gamma).toBeNull();
    const agents = Object.fromEntries(res.data.agents.nodes.map((a: any) => [a.name, a.metrics.serviceScore.score]));
    expect(agents['alpha agent']).toBeCloseTo(235 / 3, 9);
    expect(agents['gamma agent']).toBeNull();
    // Alpha's tickets all solve on 05-04 but its CSAT arrives on 05-05 (+40 h):
    // day 1 has no CSAT, day 2 no solved tickets, so neither day has a score.
    expect(res.data.timeSeries.map((b: any) => [b.label, b.metrics.serviceScore.score])).toEqual([
      ['2026-05-04', null],
      ['2026-05-05', null],
    ]);
    expect(res.data.timeSeries[0].metrics.serviceScore.reason).toMatch(/csat\.score/);
    expect(res.data.timeSeries[1].metrics.serviceScore.reason).toMatch(/resolutionTime\.median, firstContactResolutionRate/);
  });

  it('exports the team ranking with score columns', async () => {
    const response = await api.server.fetch('http://test/export', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `query($range: DateTimeRange!) { breakdown(by: [TEAM], range: $range, exact: true) { key { team { name } } metrics { serviceScore(scorecard: "Service score") { score } } } }`,
        variables: { range: RANGE },
        format: 'json',
      }),
    });
    expect(response.status).toBe(200);
    const rows = (await response.json()) as Record<string, unknown>[];
    expect(rows.map((r) => [r['key.team.name'], r['metrics.serviceScore.score']])).toEqual([
      ['alpha', expect.closeTo(235 / 3, 9)],
      ['beta', expect.closeTo(45, 9)],
      ['gamma', null],
    ]);
  });

  it('refuses weights not summing to 100, best = worst, unknown scorecards', async () => {
    const bad = await api.query(`mutation($input: ScorecardInput!) { upsertScorecard(input: $input) { name } }`, {
      input: { name: 'x', components: [{ metric: 'csat.score', weight: 90, best: 100, worst: 50 }] },
    });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0].message).toMatch(/weights must sum to 100 \(they sum to 90\)/);
    const same = await api.query(`mutation($input: ScorecardInput!) { upsertScorecard(input: $input) { name } }`, {
      input: { name: 'x', components: [{ metric: 'csat.score', weight: 100, best: 50, worst: 50 }] },
    });
    expect(same.errors?.[0].message).toMatch(/best and worst must differ/);
    const unknown = await api.query(`query($range: DateTimeRange!) { metrics(range: $range) { serviceScore(scorecard: "nope") { score } } }`, { range: RANGE });
    expect(unknown.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const { data } = await api.query(`{ scorecards { name } }`);
    expect(data.scorecards).toEqual([{ name: 'Service score' }]);
  });
});
