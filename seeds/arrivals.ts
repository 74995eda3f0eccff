import { DateTime } from 'luxon';
import { REGION_ZONE, type CustomerRegion } from './catalog.ts';
import { germanHolidays, usHolidays, type Holiday } from './calendars.ts';
import { Random } from './random.ts';

const HOUR_MS = 3_600_000;
const REGIONS: CustomerRegion[] = ['EU', 'AM', 'AP'];

/** One ticket arrival: when, from which region, and whether an incident caused it. */
export interface Arrival {
  ms: number;
  region: CustomerRegion;
  incident: boolean;
}

/** Relative ticket volume by local hour of day (business users: a late-morning and an afternoon peak). */
const HOUR_WEIGHT = [
  0.12, 0.08, 0.06, 0.05, 0.05, 0.08, 0.2, 0.45, 0.85, 1.15, 1.3, 1.3,
  1.1, 1.15, 1.25, 1.2, 1.05, 0.85, 0.6, 0.48, 0.42, 0.36, 0.28, 0.18,
];
/** Relative volume by ISO weekday (index 1 = Monday): Monday peak, quiet weekends. */
const WEEKDAY_WEIGHT = [0, 1.18, 1.1, 1.04, 1.0, 0.9, 0.36, 0.3];
/** Volume on a public holiday relative to a normal day at the same hour. */
const HOLIDAY_FACTOR = 0.35;

function holidayFactors(region: CustomerRegion, year: number): Map<string, number> {
  const list: Holiday[] = region === 'EU' ? germanHolidays(year) : region === 'AM' ? usHolidays(year)
    : [{ date: `${year}-01-01`, name: 'New Year' }, { date: `${year}-12-25`, name: 'Christmas' }];
  return new Map(list.map((h) => [h.date, h.start ? 0.6 : HOLIDAY_FACTOR]));
}

function seasonFactor(region: CustomerRegion, month: number, day: number): number {
  if (month === 12 && day >= 20) return 0.8;
  if (region === 'EU' && month === 8) return 0.85;
  return 1;
}

/**
 * The arrival schedule: an hourly grid of expected volume per region (local hour,
 * weekday, holidays, season, growth, noise, a few incident spikes), turned into exact
 * per-hour counts that add up to the requested total, then into sorted instants.
 */
export class ArrivalPlan {
  private readonly binStart: number;
  private readonly bins: number;
  private readonly regionWeight: Record<CustomerRegion, Float64Array>;
  private readonly incidentWeight: Float64Array;
  private readonly counts: Int32Array;
  private readonly dayLoad: Float64Array;

  constructor(
    seed: number,
    private readonly startMs: number,
    private readonly nowMs: number,
    total: number,
    regionShare: Record<CustomerRegion, number>,
  ) {
    const rng = Random.named(seed, 'arrivals');
    this.binStart = Math.floor(startMs / HOUR_MS) * HOUR_MS;
    this.bins = Math.max(1, Math.ceil((nowMs - this.binStart) / HOUR_MS));
    this.regionWeight = { EU: new Float64Array(this.bins), AM: new Float64Array(this.bins), AP: new Float64Array(this.bins) };
    this.incidentWeight = new Float64Array(this.bins);
    const span = Math.max(1, nowMs - startMs);
    const holidays = new Map<string, Map<string, number>>();
    const factorsFor = (region: CustomerRegion, year: number): Map<string, number> => {
      const key = `${region}${year}`;
      let map = holidays.get(key);
      if (!map) holidays.set(key, (map = holidayFactors(region, year)));
      return map;
    };

    const totalWeight = new Float64Array(this.bins);
    let dailyNoise = 1;
    for (let k = 0; k < this.bins; k += 1) {
      const from = Math.max(startMs, this.binStart + k * HOUR_MS);
      const to = Math.min(nowMs, this.binStart + (k + 1) * HOUR_MS);
      const overlap = Math.max(0, to - from) / HOUR_MS;
      if (k % 24 === 0) dailyNoise = rng.logNormal(1, 0.08);
      const growth = 1 + 0.2 * ((from - startMs) / span);
      const noise = rng.logNormal(1, 0.15) * dailyNoise * growth * overlap;
      for (const region of REGIONS) {
        const local = DateTime.fromMillis(from, { zone: REGION_ZONE[region] });
        const holiday = factorsFor(region, local.year).get(local.toISODate() ?? '') ?? 1;
        const w = HOUR_WEIGHT[local.hour] * WEEKDAY_WEIGHT[local.weekday] * holiday
          * seasonFactor(region, local.month, local.day) * noise * regionShare[region];
        this.regionWeight[region][k] = w;
        totalWeight[k] += w;
      }
    }

    // Incidents: a few outages that each bring a burst of tickets for some hours.
    const meanHourly = totalWeight.reduce((a, b) => a + b, 0) / this.bins;
    const incidents = this.bins >= 24 * 14 ? Math.max(1, Math.round(this.bins / (24 * 90))) : 0;
    for (let i = 0; i < incidents; i += 1) {
      const begin = rng.int(this.bins);
      const hours = 3 + rng.int(6);
      const size = rng.uniform(1.5, 4);
      for (let h = 0; h < hours && begin + h < this.bins; h += 1) {
        const w = meanHourly * size * Math.exp(-h / 3);
        this.incidentWeight[begin + h] += w;
        totalWeight[begin + h] += w;
      }
    }

    // Exact counts by rounding running totals, so they add up to `total` exactly.
    this.counts = new Int32Array(this.bins);
    const sum = totalWeight.reduce((a, b) => a + b, 0);
    let running = 0;
    let given = 0;
    for (let k = 0; k < this.bins; k += 1) {
      running += totalWeight[k];
      const upTo = sum > 0 ? Math.round((total * running) / sum) : k === this.bins - 1 ? total : 0;
      this.counts[k] = upTo - given;
      given = upTo;
    }

    // How busy each UTC day is compared with an average day: busy days answer slower.
    const days = Math.ceil(this.bins / 24);
    this.dayLoad = new Float64Array(days);
    for (let k = 0; k < this.bins; k += 1) this.dayLoad[Math.floor(k / 24)] += totalWeight[k];
    const meanDay = this.dayLoad.reduce((a, b) => a + b, 0) / days;
    for (let d = 0; d < days; d += 1) this.dayLoad[d] = meanDay > 0 ? Math.min(1.35, Math.max(0.85, (this.dayLoad[d] / meanDay) ** 0.3)) : 1;
  }

  /** Multiplier of reply delays on the UTC day of `ms` (around 1; above on busy days). */
  loadFactor(ms: number): number {
    const d = Math.floor((ms - this.binStart) / (24 * HOUR_MS));
    return d >= 0 && d < this.dayLoad.length ? this.dayLoad[d] : 1;
  }

  /** The arrivals in time order, generated hour by hour so memory stays small. */
  *arrivals(seed: number): Generator<Arrival> {
    const rng = Random.named(seed, 'arrival-times');
    for (let k = 0; k < this.bins; k += 1) {
      const n = this.counts[k];
      if (n === 0) continue;
      const from = Math.max(this.startMs, this.binStart + k * HOUR_MS);
      const to = Math.min(this.nowMs, this.binStart + (k + 1) * HOUR_MS);
      const times: number[] = [];
      for (let i = 0; i < n; i += 1) times.push(from + Math.floor(rng.next() * Math.max(1, to - from)));
      times.sort((a, b) => a - b);
      const eu = this.regionWeight.EU[k];
      const am = this.regionWeight.AM[k];
      const total = eu + am + this.regionWeight.AP[k] + this.incidentWeight[k];
      for (const ms of times) {
        const x = rng.next() * total;
        if (x < this.incidentWeight[k]) {
          // Outage reports come from wherever customers are awake at the time.
          const y = rng.next() * (total - this.incidentWeight[k]);
          yield { ms, region: y < eu ? 'EU' : y < eu + am ? 'AM' : 'AP', incident: true };
        } else {
          const y = x - this.incidentWeight[k];
          yield { ms, region: y < eu ? 'EU' : y < eu + am ? 'AM' : 'AP', incident: false };
        }
      }
    }
  }
}
