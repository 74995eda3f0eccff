import { badInput } from '../errors.ts';
import type { Scorecard } from '../generated/prisma/client.ts';
import { amountInMeasureUnit, checkedMeasure, type AmountUnit } from './amounts.ts';
import { computeBeside, valueAtPath, type MetricsOrigin } from './origins.ts';

/** A scorecard component as upsertScorecard receives it. */
export interface ComponentInputValue {
  metric: string;
  weight: number;
  best?: number | null;
  bestDuration?: string | null;
  worst?: number | null;
  worstDuration?: string | null;
  unit?: AmountUnit | null;
}

/** A stored component: best and worst in the metric's own unit. */
export interface ScorecardComponent {
  metric: string;
  weight: number;
  best: number;
  worst: number;
}

const MAX_COMPONENTS = 20;
// Weights are percentages; a sum within a millionth of 100 is 100 (e.g. 33.3 + 33.3 + 33.4).
const WEIGHT_TOLERANCE = 1e-6;

/** Checks a scorecard: a name, 1-20 components on registry metrics, best ≠ worst, weights > 0 summing to 100. */
export function validateScorecard(input: { name: string; components: readonly ComponentInputValue[] }): { name: string; components: ScorecardComponent[] } {
  const name = input.name?.trim() ?? '';
  if (name === '' || name.length > 200) throw badInput('input.name must be 1 to 200 characters', { argument: 'input.name' });
  if (input.components.length === 0 || input.components.length > MAX_COMPONENTS) {
    throw badInput(`input.components needs 1 to ${MAX_COMPONENTS} components`, { argument: 'input.components' });
  }
  const components = input.components.map((c, i): ScorecardComponent => {
    const argument = `input.components[${i}]`;
    const entry = checkedMeasure(c.metric, `${argument}.metric`);
    if (!Number.isFinite(c.weight) || c.weight <= 0) throw badInput(`${argument}.weight must be a positive number of percent`, { argument: `${argument}.weight` });
    const best = amountInMeasureUnit(entry, { value: c.best, duration: c.bestDuration, unit: c.unit }, `${argument}.best`);
    const worst = amountInMeasureUnit(entry, { value: c.worst, duration: c.worstDuration, unit: c.unit }, `${argument}.worst`);
    if (best === worst) throw badInput(`${argument}: best and worst must differ (points are linear between them)`, { argument });
    return { metric: entry.path, weight: c.weight, best, worst };
  });
  const sum = components.reduce((total, c) => total + c.weight, 0);
  if (Math.abs(sum - 100) > WEIGHT_TOLERANCE) {
    throw badInput(`input.components: weights must sum to 100 (they sum to ${Number(sum.toFixed(6))})`, { argument: 'input.components' });
  }
  return { name, components };
}

/** The components stored on a scorecard. */
export function storedComponents(card: Pick<Scorecard, 'components'>): ScorecardComponent[] {
  return Array.isArray(card.components) ? (card.components as unknown as ScorecardComponent[]) : [];
}

/**
 * Points of one component, 0..100: linear between worst (0) and best (100), clamped, so
 * beyond best is 100 and beyond worst is 0. Works either way round: for a time, best is
 * the smaller number; for a rate, the larger. Null without a value.
 */
export function componentPoints(value: number | null, best: number, worst: number): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const share = (value - worst) / (best - worst);
  return 100 * Math.min(1, Math.max(0, share));
}

/** One component's reading: its value, points and share of the score. */
export interface ComponentReading extends ScorecardComponent {
  value: number | null;
  points: number | null;
  /** weight × points / 100: what this component adds to the score. */
  weighted: number | null;
}

/** A scorecard's reading: the weighted mean of points, or null with the reason. */
export interface ServiceScore {
  scorecard: Scorecard;
  score: number | null;
  reason: string | null;
  components: ComponentReading[];
}

/** Scores component values: the weighted mean of points; any component without data leaves the score null, with the reason. */
export function scoreComponents(scorecard: Scorecard, values: (component: ScorecardComponent) => number | null): ServiceScore {
  const components = storedComponents(scorecard).map((c) => {
    const value = values(c);
    const points = componentPoints(value, c.best, c.worst);
    return { ...c, value, points, weighted: points === null ? null : (c.weight * points) / 100 };
  });
  const missing = components.filter((c) => c.points === null).map((c) => c.metric);
  if (missing.length > 0) {
    return { scorecard, score: null, reason: `no data for ${missing.join(', ')}: a component without data is not scored 0`, components };
  }
  return { scorecard, score: components.reduce((total, c) => total + (c.weighted as number), 0), reason: null, components };
}

/**
 * A scorecard read beside a Metrics object: each component's metric over the same place
 * of the same read, in one engine statement for the whole read, then scored.
 */
export async function readServiceScore(origin: MetricsOrigin, scorecard: Scorecard): Promise<ServiceScore> {
  const measures = [...new Set(storedComponents(scorecard).map((c) => c.metric))];
  const lookup = await computeBeside(origin.call, `scorecard:${scorecard.id}:${scorecard.updatedAt.getTime()}`, measures, null, () => ({}));
  const values = lookup(origin.at);
  return scoreComponents(scorecard, (c) => valueAtPath(values, c.metric));
}
