import { Duration } from 'luxon';
import { badInput } from '../errors.ts';
import { measureAt, type MeasureEntry } from '../analytics/registry.ts';

/** Units a threshold (or a scorecard's best/worst) may be written in. */
export type AmountUnit = 'SECONDS' | 'MINUTES' | 'HOURS' | 'DAYS' | 'FRACTION' | 'PERCENT';

const DURATION_UNITS: Partial<Record<AmountUnit, number>> = { SECONDS: 1, MINUTES: 60, HOURS: 3600, DAYS: 86_400 };
const FRACTION_UNITS: Partial<Record<AmountUnit, number>> = { FRACTION: 1, PERCENT: 0.01 };

/** What kind of number a registry measure is, by its declared unit. */
export type MeasureKind = 'duration' | 'fraction' | 'other';

/** Duration, fraction or other, from the registry's unit of a measure. */
export function measureKind(entry: MeasureEntry): MeasureKind {
  if (entry.leaf.unit === 'seconds') return 'duration';
  if (entry.leaf.unit.startsWith('fraction')) return 'fraction';
  return 'other';
}

/** The registry measure at a path, or a BAD_USER_INPUT naming the argument and some valid paths. */
export function checkedMeasure(path: string, argument: string): MeasureEntry {
  const entry = measureAt(path);
  if (!entry) {
    throw badInput(
      `${argument}: "${path}" is not a metric; use a dotted path of a Metrics field such as firstResponseTime.median, firstContactResolutionRate or csat.score`,
      { argument },
    );
  }
  return entry;
}

/** An amount as an input gives it: a number, an ISO 8601 duration, and an optional unit. */
export interface AmountInput {
  value?: number | null;
  duration?: string | null;
  unit?: AmountUnit | null;
}

/**
 * Converts an amount to the measure's own unit: seconds for durations (a number in
 * `unit`, default SECONDS, or an ISO duration such as PT24H), a fraction 0..1 for rates
 * (a number in FRACTION, the default, or PERCENT), and the measure's unit otherwise.
 */
export function amountInMeasureUnit(entry: MeasureEntry, input: AmountInput, argument: string): number {
  const kind = measureKind(entry);
  const given = [input.value, input.duration].filter((v) => v !== null && v !== undefined).length;
  if (given !== 1) throw badInput(`${argument}: give exactly one of a number or an ISO 8601 duration (e.g. "PT24H")`, { argument });
  if (input.duration !== null && input.duration !== undefined) {
    if (kind !== 'duration') {
      throw badInput(`${argument}: ${entry.path} is measured in ${entry.leaf.unit}, not seconds; give a number, not a duration`, { argument });
    }
    if (input.unit) throw badInput(`${argument}: a duration carries its own unit; leave unit out`, { argument });
    const d = Duration.fromISO(input.duration);
    if (!d.isValid) throw badInput(`${argument}: "${input.duration}" is not an ISO 8601 duration; write for example PT24H or PT15M`, { argument });
    // Calendar units (months, years) have no fixed length in seconds.
    if (d.years || d.months) throw badInput(`${argument}: use days, hours, minutes or seconds, not months or years`, { argument });
    return d.as('seconds');
  }
  const value = input.value as number;
  if (!Number.isFinite(value)) throw badInput(`${argument}: must be a finite number`, { argument });
  if (!input.unit) return value;
  const table = kind === 'duration' ? DURATION_UNITS : kind === 'fraction' ? FRACTION_UNITS : {};
  const factor = table[input.unit];
  if (factor === undefined) {
    const allowed = Object.keys(table);
    throw badInput(
      `${argument}: unit ${input.unit} does not fit ${entry.path} (${entry.leaf.unit})${allowed.length ? `; use ${allowed.join(', ')}` : '; leave unit out'}`,
      { argument },
    );
  }
  return value * factor;
}

/** Which side of a threshold is good. */
export type Comparison = 'AT_MOST' | 'AT_LEAST';

/** Whether an actual value meets a target. */
export type TargetStatus = 'MET' | 'MISSED' | 'NO_DATA';

/**
 * Compares an actual value with a threshold. `gap` is how far the actual lies on the
 * wrong side, in the measure's unit: positive = missed by that much, 0 or negative = met
 * with that margin; null with no data.
 */
export function compareWithThreshold(
  actual: number | null,
  comparison: Comparison,
  threshold: number,
): { status: TargetStatus; gap: number | null } {
  if (actual === null || !Number.isFinite(actual)) return { status: 'NO_DATA', gap: null };
  const gap = comparison === 'AT_MOST' ? actual - threshold : threshold - actual;
  return { status: gap <= 0 ? 'MET' : 'MISSED', gap };
}
