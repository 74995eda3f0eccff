import type { Database } from '../src/db/client.ts';
import type { Prisma } from '../src/generated/prisma/client.ts';
import { validateScorecard, type ComponentInputValue } from '../src/monitoring/scorecards.ts';
import { validateTarget, type TargetInputValue } from '../src/monitoring/targets.ts';

/**
 * The demo's service scorecard, as the support managers' spreadsheet has it:
 * processing (resolution time median) 40 %, first-contact resolution 30 %, CSAT
 * ("reviews") 30 %. Best scores 100, worst 0, linear in between.
 */
export const DEMO_SCORECARD: { name: string; components: ComponentInputValue[] } = {
  name: 'Service score',
  components: [
    { metric: 'resolutionTime.median', weight: 40, bestDuration: 'PT8H', worstDuration: 'P3D' },
    { metric: 'firstContactResolutionRate', weight: 30, best: 0.7, worst: 0.3 },
    { metric: 'csat.score', weight: 30, best: 95, worst: 60 },
  ],
};

/** The demo's KPI targets (weekly, Berlin time), for the dashboard's red/green cards. */
export const DEMO_TARGETS: TargetInputValue[] = [
  {
    name: 'E-mail first response within 24 hours',
    metric: 'firstResponseTime.median',
    filter: { channels: ['EMAIL'] },
    scope: { teamId: null, agentId: null },
    comparison: 'AT_MOST',
    thresholdDuration: 'PT24H',
    granularity: 'WEEK',
    timeZone: 'Europe/Berlin',
  },
  {
    name: 'CSAT at least 80 %',
    metric: 'csat.score',
    filter: null,
    scope: { teamId: null, agentId: null },
    comparison: 'AT_LEAST',
    threshold: 80,
    granularity: 'WEEK',
    timeZone: 'Europe/Berlin',
  },
  {
    name: 'First-contact resolution at least 50 %',
    metric: 'firstContactResolutionRate',
    filter: null,
    scope: { teamId: null, agentId: null },
    comparison: 'AT_LEAST',
    threshold: 0.5,
    granularity: 'WEEK',
    timeZone: 'Europe/Berlin',
  },
];

/** Creates (or refreshes, by name) the demo scorecard and targets; safe to run again. */
export async function createDemoMonitoring(db: Pick<Database, 'prisma'>): Promise<void> {
  const card = validateScorecard(DEMO_SCORECARD);
  const components = card.components as unknown as Prisma.InputJsonValue;
  await db.prisma.scorecard.upsert({ where: { name: card.name }, create: { name: card.name, components }, update: { components } });
  for (const input of DEMO_TARGETS) {
    const data = validateTarget(input);
    const filter = (data.filter ?? undefined) as Prisma.InputJsonValue | undefined;
    await db.prisma.target.upsert({ where: { name: data.name }, create: { ...data, filter }, update: { ...data, filter } });
  }
}
