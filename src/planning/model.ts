/**
 * The forecasting model: a multiplicative seasonal regression on hourly arrival counts.
 *
 *   expected(t) = max(0, a + b·τ(t)) · S[hour of week of t] · H[holiday kind of t][hour of day]
 *
 * - `a + b·τ` is a linear trend (τ in weeks, 0 at the end of the history), fitted with
 *   `S` by alternating weighted least squares on the last `fitWeeks` weeks of normal
 *   (non-holiday) hours. Weights: Poisson ones (variance ∝ mean) times exponential
 *   forgetting w = 0.5^(age / halfLife), so the normal equations are
 *   Σ w·S·[1 τ; τ τ²]·[a b] = Σ w·y·[1 τ], and S[k] = Σ w·y / Σ w·(a + bτ) over slot k.
 *   The forgetting is what exponential smoothing (Holt-Winters) does recursively.
 * - `S` is the hour-of-week profile (168 local hours, mean 1): daily and weekly seasonality at once.
 * - Holidays: a holiday hour's effect `H` is learned from the holidays before it with the
 *   same closed calendars ("kind"): the ratio of what arrived on those hours to what a normal
 *   hour would have brought (the profile times the level of the surrounding four weeks),
 *   per local hour of day, shrunk towards the kind's all-day ratio. A kind never seen before
 *   uses the product of its calendars' single ratios, or 1 when none of them was seen.
 * - Prediction intervals come from a variance model Var = φ·μ + κ²·μ² (over-dispersed
 *   Poisson) fitted to the in-sample residuals at the output granularity.
 *
 * Pure functions only: the history comes in already counted per hour (by SQL).
 */

/** One local hour of history or future. */
export interface HourPoint {
  /** Start instant (epoch ms). */
  start: number;
  /** Local hour of the week, 0 = Monday 00:00 … 167 = Sunday 23:00. */
  slot: number;
  /** Local hour of day 0-23, used for the holiday profile. */
  hour: number;
  /** The holiday kind of this hour: sorted ids of the calendars closed by a holiday, joined by "+"; "" = normal. */
  holiday: string;
}

/** A model fitted on one history. */
export interface SeasonalModel {
  /** Level at the end of the history, arrivals per hour (before the profile). */
  level: number;
  /** Change of the level per week. */
  trendPerWeek: number;
  /** End of the history (τ = 0), epoch ms. */
  origin: number;
  /** Hour-of-week profile, mean 1. */
  profile: number[];
  /** Holiday multipliers by kind, per hour of day. */
  holidayFactors: Map<string, number[]>;
  /** Hours used for the level and profile fit. */
  fittedHours: number;
}

/** Options of the fit. */
export interface FitOptions {
  /** Weeks of history the level, trend and profile are fitted on (default 16). */
  fitWeeks?: number;
  /** Pseudo-count (in expected arrivals) pulling a holiday's hourly ratio towards its all-day ratio (default 10). */
  holidayShrinkage?: number;
  /** Half-life in weeks of the observation weights: recent weeks count more (default HALF_LIFE_WEEKS). */
  halfLifeWeeks?: number;
}

/**
 * Default half-life of the observation weights, in weeks. Chosen on the demo data's
 * backtest (bench/README.md): 3-5 weeks give the same hourly WAPE; 4 tracks level changes
 * best at WEEK granularity, without weights the weekly forecast loses to the baseline.
 */
export const HALF_LIFE_WEEKS = 4;

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;
/** Days either side of a past holiday whose normal hours give its local level. */
const LOCAL_LEVEL_DAYS = 14;

/** Default weeks of history for the level, trend and profile. */
export const DEFAULT_FIT_WEEKS = 16;

function lowerBound(points: readonly HourPoint[], ms: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].start < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The trend part of the model at an instant (never below 0). */
function levelAt(model: Pick<SeasonalModel, 'level' | 'trendPerWeek' | 'origin'>, ms: number): number {
  return Math.max(0, model.level + model.trendPerWeek * ((ms - model.origin) / WEEK_MS));
}

/**
 * Fits the model on hourly history: `points[i]` arrived `counts[i]` times; points are in
 * time order and `origin` is the end of the history (the first instant not observed).
 */
export function fitSeasonalModel(points: readonly HourPoint[], counts: readonly number[], origin: number, options: FitOptions = {}): SeasonalModel {
  const fitWeeks = options.fitWeeks ?? DEFAULT_FIT_WEEKS;
  const shrink = options.holidayShrinkage ?? 10;
  // A history younger than the fit window starts at its first arrival, not at zeros before it.
  let first = lowerBound(points, origin - fitWeeks * WEEK_MS);
  while (first < points.length && points[first].start < origin && counts[first] === 0) first += 1;
  const idx: number[] = [];
  for (let i = first; i < points.length; i += 1) if (points[i].holiday === '' && points[i].start < origin) idx.push(i);
  const tau = (i: number) => (points[i].start - origin) / WEEK_MS;
  // Exponential forgetting, as in exponential smoothing: a week `halfLife` old counts half.
  const halfLife = options.halfLifeWeeks ?? HALF_LIFE_WEEKS;
  const weight = idx.map((i) => (halfLife > 0 ? 0.5 ** (-tau(i) / halfLife) : 1));

  // Alternating least squares: profile given the trend, trend given the profile.
  let a = idx.length > 0 ? idx.reduce((s, i) => s + counts[i], 0) / idx.length : 0;
  let b = 0;
  let profile = new Array<number>(168).fill(1);
  for (let iter = 0; iter < 8; iter += 1) {
    const num = new Array<number>(168).fill(0);
    const den = new Array<number>(168).fill(0);
    idx.forEach((i, j) => {
      num[points[i].slot] += weight[j] * counts[i];
      den[points[i].slot] += weight[j] * Math.max(1e-9, a + b * tau(i));
    });
    const seen = den.filter((d) => d > 0).length;
    profile = num.map((n, k) => (den[k] > 0 ? n / den[k] : 1));
    const mean = profile.reduce((s, v, k) => s + (den[k] > 0 ? v : 0), 0) / Math.max(1, seen);
    if (mean > 0) profile = profile.map((v) => v / mean);
    let s00 = 0;
    let s01 = 0;
    let s11 = 0;
    let r0 = 0;
    let r1 = 0;
    idx.forEach((i, j) => {
      const s = weight[j] * profile[points[i].slot];
      const t = tau(i);
      s00 += s;
      s01 += s * t;
      s11 += s * t * t;
      r0 += weight[j] * counts[i];
      r1 += weight[j] * counts[i] * t;
    });
    const det = s00 * s11 - s01 * s01;
    if (s00 <= 0) break;
    if (Math.abs(det) < 1e-9 * Math.max(1, s00 * s11)) {
      a = r0 / s00;
      b = 0;
    } else {
      a = (r0 * s11 - r1 * s01) / det;
      b = (s00 * r1 - s01 * r0) / det;
    }
  }

  const model: SeasonalModel = { level: a, trendPerWeek: b, origin, profile, holidayFactors: new Map(), fittedHours: idx.length };
  model.holidayFactors = holidayFactors(points, counts, origin, profile, shrink);
  return model;
}

/** Learns each holiday kind's hour-of-day multipliers from the holidays in the history. */
function holidayFactors(points: readonly HourPoint[], counts: readonly number[], origin: number, profile: readonly number[], shrink: number): Map<string, number[]> {
  const end = lowerBound(points, origin);
  // Prefix sums over normal hours: arrivals and profile weight, for local levels.
  const cy = new Float64Array(end + 1);
  const cs = new Float64Array(end + 1);
  for (let i = 0; i < end; i += 1) {
    const normal = points[i].holiday === '';
    cy[i + 1] = cy[i] + (normal ? counts[i] : 0);
    cs[i + 1] = cs[i] + (normal ? profile[points[i].slot] : 0);
  }
  const sums = new Map<string, { y: number[]; base: number[] }>();
  for (let i = 0; i < end; i += 1) {
    const kind = points[i].holiday;
    if (kind === '') continue;
    const lo = lowerBound(points, points[i].start - LOCAL_LEVEL_DAYS * 24 * HOUR_MS);
    const hi = Math.min(end, lowerBound(points, points[i].start + LOCAL_LEVEL_DAYS * 24 * HOUR_MS));
    const weight = cs[hi] - cs[lo];
    if (weight <= 0) continue;
    const local = (cy[hi] - cy[lo]) / weight;
    let entry = sums.get(kind);
    if (!entry) sums.set(kind, (entry = { y: new Array<number>(24).fill(0), base: new Array<number>(24).fill(0) }));
    entry.y[points[i].hour] += counts[i];
    entry.base[points[i].hour] += local * profile[points[i].slot];
  }
  const out = new Map<string, number[]>();
  for (const [kind, { y, base }] of sums) {
    const totalBase = base.reduce((s, v) => s + v, 0);
    if (totalBase <= 0) continue;
    const overall = y.reduce((s, v) => s + v, 0) / totalBase;
    out.set(kind, y.map((v, h) => (v + shrink * overall) / (base[h] + shrink)));
  }
  return out;
}

/** The multiplier of an hour of holiday kind `kind` (1 for normal hours). */
export function holidayMultiplier(model: SeasonalModel, kind: string, hour: number): number {
  if (kind === '') return 1;
  const known = model.holidayFactors.get(kind);
  if (known) return known[hour];
  // Never seen in this combination: combine what each calendar's own holidays showed.
  let factor = 1;
  for (const single of kind.split('+')) factor *= model.holidayFactors.get(single)?.[hour] ?? 1;
  return factor;
}

/** Expected arrivals in the hour `point`. */
export function predictHour(model: SeasonalModel, point: HourPoint): number {
  return levelAt(model, point.start) * model.profile[point.slot] * holidayMultiplier(model, point.holiday, point.hour);
}

/** Variance model Var(y) = φ·μ + κ²·μ², and how many residuals it was fitted on. */
export interface Dispersion {
  phi: number;
  kappa2: number;
  n: number;
}

/**
 * Fits Var = φ·μ + κ²·μ² to squared residuals by least squares with φ, κ² ≥ 0, then
 * inflates by n / (n − p) for the `p` parameters the mean used. Falls back to Poisson
 * (φ = 1, κ = 0) with fewer than 3 residuals.
 */
export function fitDispersion(expected: readonly number[], actual: readonly number[], parameters = 0): Dispersion {
  const n = expected.length;
  if (n < 3) return { phi: 1, kappa2: 0, n };
  let smm = 0;
  let smq = 0;
  let sqq = 0;
  let smr = 0;
  let sqr = 0;
  for (let i = 0; i < n; i += 1) {
    const m = expected[i];
    const q = m * m;
    const r = (actual[i] - m) ** 2;
    smm += m * m;
    smq += m * q;
    sqq += q * q;
    smr += m * r;
    sqr += q * r;
  }
  const inflate = n > parameters + 1 ? n / (n - parameters) : 2;
  const det = smm * sqq - smq * smq;
  let phi = det > 0 ? (smr * sqq - sqr * smq) / det : 0;
  let kappa2 = det > 0 ? (smm * sqr - smq * smr) / det : 0;
  if (!(det > 0) || phi < 0 || kappa2 < 0) {
    // The constrained optimum lies on an edge: try each one-parameter model, keep the better.
    const onlyPhi = smm > 0 ? Math.max(0, smr / smm) : 1;
    const onlyKappa = sqq > 0 ? Math.max(0, sqr / sqq) : 0;
    const sse = (p: number, k: number) => {
      let s = 0;
      for (let i = 0; i < n; i += 1) s += ((actual[i] - expected[i]) ** 2 - p * expected[i] - k * expected[i] ** 2) ** 2;
      return s;
    };
    if (sse(onlyPhi, 0) <= sse(0, onlyKappa)) {
      phi = onlyPhi;
      kappa2 = 0;
    } else {
      phi = 0;
      kappa2 = onlyKappa;
    }
  }
  return { phi: phi * inflate, kappa2: kappa2 * inflate, n };
}

/** Two-sided normal quantile of the 80 % interval. */
export const Z80 = 1.2815515655446004;
/** Two-sided normal quantile of the 95 % interval. */
export const Z95 = 1.959963984540054;

/** A prediction interval `[lower, upper]` for an expected count, clipped at 0. */
export function predictionInterval(mean: number, dispersion: Dispersion, z: number): { lower: number; upper: number } {
  const sd = Math.sqrt(Math.max(0, dispersion.phi * mean + dispersion.kappa2 * mean * mean));
  return { lower: Math.max(0, mean - z * sd), upper: mean + z * sd };
}

/** Accuracy of a set of forecasts: WAPE = Σ|e| / Σy, MAPE = mean |e|/y over buckets with y > 0. */
export interface Accuracy {
  wape: number | null;
  mape: number | null;
  buckets: number;
}

/** WAPE and MAPE of `forecast` against `actual` (null when undefined: no arrivals at all). */
export function accuracy(forecast: readonly number[], actual: readonly number[]): Accuracy {
  let abs = 0;
  let total = 0;
  let ape = 0;
  let positive = 0;
  for (let i = 0; i < actual.length; i += 1) {
    const e = Math.abs(actual[i] - forecast[i]);
    abs += e;
    total += actual[i];
    if (actual[i] > 0) {
      ape += e / actual[i];
      positive += 1;
    }
  }
  return { wape: total > 0 ? abs / total : null, mape: positive > 0 ? ape / positive : null, buckets: actual.length };
}
