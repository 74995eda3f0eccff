/**
 * Erlang B / Erlang C queueing formulas for live channels (phone, chat).
 *
 * Everything is computed with the Erlang B recursion
 *   B(0, A) = 1,  B(n, A) = A·B(n−1, A) / (n + A·B(n−1, A))
 * which needs no factorials or powers, so it stays exact-to-rounding for any traffic
 * (500 Erlangs and beyond), and Erlang C from it:
 *   C(n, A) = n·B / (n − A·(1 − B))   for n > A, and 1 (every contact waits) for n ≤ A.
 */

/** Blocking probability of an M/M/n/n system with `erlangs` offered traffic (Erlang B). */
export function erlangB(agents: number, erlangs: number): number {
  if (!Number.isInteger(agents) || agents < 0) throw new RangeError(`agents must be a non-negative integer, got ${agents}`);
  if (!(erlangs >= 0) || !Number.isFinite(erlangs)) throw new RangeError(`erlangs must be a finite number ≥ 0, got ${erlangs}`);
  let b = 1;
  for (let n = 1; n <= agents; n += 1) b = (erlangs * b) / (n + erlangs * b);
  return b;
}

/**
 * Probability that a contact has to wait (Erlang C) with `agents` servers and
 * `erlangs` offered traffic; 1 when the queue is unstable (agents ≤ erlangs).
 */
export function erlangC(agents: number, erlangs: number): number {
  if (erlangs === 0) return 0;
  if (agents <= erlangs) return 1;
  const b = erlangB(agents, erlangs);
  return (agents * b) / (agents - erlangs * (1 - b));
}

/**
 * Service level: share of contacts answered within `withinSeconds`,
 * 1 − C·exp(−(n − A)·t / AHT). 0 when the queue is unstable.
 */
export function serviceLevel(agents: number, erlangs: number, handleSeconds: number, withinSeconds: number): number {
  if (erlangs === 0) return 1;
  if (agents <= erlangs) return 0;
  const c = erlangC(agents, erlangs);
  return 1 - c * Math.exp((-(agents - erlangs) * withinSeconds) / handleSeconds);
}

/** Average speed of answer in seconds over all contacts, C·AHT / (n − A); Infinity when unstable. */
export function averageSpeedOfAnswer(agents: number, erlangs: number, handleSeconds: number): number {
  if (erlangs === 0) return 0;
  if (agents <= erlangs) return Number.POSITIVE_INFINITY;
  return (erlangC(agents, erlangs) * handleSeconds) / (agents - erlangs);
}

/** What a staffing level must achieve. */
export type StaffingTarget =
  | { kind: 'serviceLevel'; percent: number; withinSeconds: number }
  | { kind: 'maxAverageWait'; seconds: number };

/** The staffing that meets a target for one interval, and what it achieves. */
export interface ErlangStaffing {
  /** Offered load in Erlangs (arrivals × handle time / interval length, divided by concurrency). */
  erlangs: number;
  /** Agents needed on the floor (at least 1 when there is any traffic). */
  agents: number;
  /** Share of contacts answered within the target time at that staffing (service-level targets), else at 20 s. */
  serviceLevel: number;
  /** Average speed of answer, seconds. */
  averageSpeedOfAnswer: number;
  /** Erlangs / agents. */
  occupancy: number;
  /** Probability of waiting at all. */
  probabilityOfWaiting: number;
}

/**
 * The fewest agents meeting `target` with occupancy ≤ `occupancyCap`, by Erlang C.
 * Searches upward from ⌈A⌉ (the first stable count); service level rises and ASA falls
 * monotonically in the number of agents, so the first hit is the minimum.
 */
export function agentsForTarget(erlangs: number, handleSeconds: number, target: StaffingTarget, occupancyCap: number): ErlangStaffing {
  if (!(handleSeconds > 0)) throw new RangeError(`handleSeconds must be > 0, got ${handleSeconds}`);
  if (!(occupancyCap > 0 && occupancyCap <= 1)) throw new RangeError(`occupancyCap must be in (0, 1], got ${occupancyCap}`);
  const within = target.kind === 'serviceLevel' ? target.withinSeconds : 20;
  const measure = (n: number): ErlangStaffing => ({
    erlangs,
    agents: n,
    serviceLevel: serviceLevel(n, erlangs, handleSeconds, within),
    averageSpeedOfAnswer: averageSpeedOfAnswer(n, erlangs, handleSeconds),
    occupancy: n === 0 ? 0 : erlangs / n,
    probabilityOfWaiting: erlangC(n, erlangs),
  });
  if (erlangs === 0) return measure(0);
  const minimum = Math.max(1, Math.floor(erlangs) + 1, Math.ceil(erlangs / occupancyCap - 1e-9));
  // A very strict target can need many agents beyond A; bound the search generously.
  const limit = minimum + 10 * Math.ceil(Math.sqrt(erlangs) + 10);
  for (let n = minimum; n <= limit; n += 1) {
    const m = measure(n);
    const ok = target.kind === 'serviceLevel' ? m.serviceLevel >= target.percent / 100 - 1e-12 : m.averageSpeedOfAnswer <= target.seconds;
    if (ok) return m;
  }
  return measure(limit);
}
