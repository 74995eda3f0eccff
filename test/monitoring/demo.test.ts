import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../seeds/demo.ts';
import { createDemoMonitoring, DEMO_SCORECARD } from '../../seeds/monitoring.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
let api: GqlClient;
const NOW = new Date('2026-11-25T00:00:00Z');
const RANGE = { from: '2026-10-26T00:00:00Z', to: '2026-11-23T00:00:00Z' };

beforeAll(async () => {
  db = await openTestDatabase();
  await seedDemo(db, { tickets: 600, seed: 7, days: 35, now: NOW });
  await createDemoMonitoring(db);
  // Running it again refreshes by name instead of duplicating.
  await createDemoMonitoring(db);
  api = gqlClient(db);
});
afterAll(async () => db?.destroy());

describe('the demo scorecard and targets', () => {
  it('has the seed’s card: resolution time median 40 %, FCR 30 %, CSAT 30 %', async () => {
    const { data } = await api.query(`{ scorecards { name components { metric weight } } targets { name } }`);
    expect(data.scorecards).toEqual([
      {
        name: DEMO_SCORECARD.name,
        components: [
          { metric: 'resolutionTime.median', weight: 40 },
          { metric: 'firstContactResolutionRate', weight: 30 },
          { metric: 'csat.score', weight: 30 },
        ],
      },
    ]);
    expect(data.targets).toHaveLength(3);
  });

  it('scores every demo team, the score being the sum of the components’ weighted points', async () => {
    const res = await api.query(
      `query($range: DateTimeRange!) { breakdown(by: [TEAM], range: $range) { key { team { name } }
        metrics { serviceScore(scorecard: "Service score") { score reason components { value points weightedPoints } } } } }`,
      { range: RANGE },
    );
    expect(res.errors).toBeUndefined();
    const teams = res.data.breakdown.filter((g: any) => g.key.team !== null);
    expect(teams).toHaveLength(6);
    for (const group of teams) {
      const s = group.metrics.serviceScore;
      expect(s.reason).toBeNull();
      expect(s.score).toBeGreaterThanOrEqual(0);
      expect(s.score).toBeLessThanOrEqual(100);
      expect(s.score).toBeCloseTo(s.components.reduce((sum: number, c: any) => sum + c.weightedPoints, 0), 9);
    }
  });
});
