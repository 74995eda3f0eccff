import { describe, expect, it } from 'vitest';
import { agentsForTarget, averageSpeedOfAnswer, erlangB, erlangC, serviceLevel } from '../../src/planning/erlang.ts';

// Published reference values:
// - Call Centre Helper, "Erlang C formula – made simple": 100 calls per 30 minutes with a 180 s
//   handle time = 10 Erlangs; with 11 agents the probability of waiting is 68.21 %, and 14
//   agents are the fewest answering 80 % within 20 seconds.
// - Westbay Engineers' worked Erlang-C example: 360 calls per half hour, 4 minute calls
//   (48 Erlangs), 55 agents, 15 s target: P(wait) 23.87 %, ASA 8.18 s, service level 84.59 %.
// - jonesthenet.com "Erlang uplift": 250 calls an hour at 330 s AHT (22.9 Erlangs), 80 % in
//   30 s needs 28 advisors.
// - Erlang C curve textbook exercise: 6 Erlangs on 10 servers, probability of waiting "about 0.10".
// - Wolfram ErlangC documentation: 30 calls/hour, 5 minute service (2.5 Erlangs), 90 % not
//   delayed needs 6 employees (5 give 13 % delayed).
describe('Erlang C against published values', () => {
  it('Call Centre Helper: 10 Erlangs', () => {
    expect(erlangC(11, 10)).toBeCloseTo(0.6821, 4);
    const s = agentsForTarget(10, 180, { kind: 'serviceLevel', percent: 80, withinSeconds: 20 }, 1);
    expect(s.agents).toBe(14);
    expect(serviceLevel(13, 10, 180, 20)).toBeLessThan(0.8);
    expect(s.serviceLevel).toBeCloseTo(0.8884, 4);
    expect(s.occupancy).toBeCloseTo(10 / 14, 10);
  });
  it('Westbay: 48 Erlangs on 55 agents', () => {
    expect(erlangC(55, 48)).toBeCloseTo(0.2387, 4);
    expect(averageSpeedOfAnswer(55, 48, 240)).toBeCloseTo(8.18, 2);
    expect(serviceLevel(55, 48, 240, 15)).toBeCloseTo(0.8459, 4);
  });
  it('jonesthenet: 250 calls/h at 330 s, 80/30', () => {
    expect(agentsForTarget((250 * 330) / 3600, 330, { kind: 'serviceLevel', percent: 80, withinSeconds: 30 }, 1).agents).toBe(28);
  });
  it('textbook curve and Wolfram example', () => {
    expect(erlangC(10, 6)).toBeCloseTo(0.1013, 4);
    expect(erlangC(5, 2.5)).toBeCloseTo(0.1304, 4);
    expect(erlangC(6, 2.5)).toBeCloseTo(0.0474, 4);
  });
  it('Erlang B classic table values', () => {
    // Erlang B tables: 10 trunks at 1 % blocking carry 4.46 E; 1 trunk at 1 E blocks 50 %.
    expect(erlangB(1, 1)).toBe(0.5);
    expect(erlangB(10, 4.4612)).toBeCloseTo(0.01, 4);
  });
});

describe('numerics', () => {
  it('is stable at 500 Erlangs (no factorial overflow, probabilities in [0, 1])', () => {
    // 500^500 / 500! overflows a double; the recursion does not.
    const b = erlangB(500, 500);
    expect(b).toBeGreaterThan(0.03);
    expect(b).toBeLessThan(0.04);
    const c = erlangC(520, 500);
    expect(c).toBeGreaterThan(0);
    expect(c).toBeLessThan(1);
    const s = agentsForTarget(500, 300, { kind: 'serviceLevel', percent: 80, withinSeconds: 20 }, 1);
    // Square-root staffing: n ≈ A + β·√A with β ≈ 0.5-0.6 here, so 510-515 agents.
    expect(s.agents).toBeGreaterThanOrEqual(510);
    expect(s.agents).toBeLessThanOrEqual(515);
    expect(Number.isFinite(s.averageSpeedOfAnswer)).toBe(true);
    expect(serviceLevel(s.agents - 1, 500, 300, 20)).toBeLessThan(0.8);
  });
  it('is monotone in agents: waiting and ASA fall, service level rises', () => {
    for (const a of [0.5, 3, 10, 48, 137.5, 500]) {
      let prevC = 1;
      let prevSl = 0;
      let prevAsa = Number.POSITIVE_INFINITY;
      for (let n = Math.floor(a) + 1; n < a + 60; n += 1) {
        const c = erlangC(n, a);
        const sl = serviceLevel(n, a, 240, 20);
        const asa = averageSpeedOfAnswer(n, a, 240);
        expect(c).toBeLessThanOrEqual(prevC);
        expect(sl).toBeGreaterThanOrEqual(prevSl);
        expect(asa).toBeLessThanOrEqual(prevAsa);
        prevC = c;
        prevSl = sl;
        prevAsa = asa;
      }
      for (let n = 1; n < a + 60; n += 1) expect(erlangB(n, a)).toBeLessThanOrEqual(erlangB(n - 1, a));
    }
  });
  it('treats n ≤ A as unstable and 0 traffic as needing nobody', () => {
    expect(erlangC(10, 10)).toBe(1);
    expect(serviceLevel(9, 10, 180, 20)).toBe(0);
    expect(averageSpeedOfAnswer(10, 10, 180)).toBe(Number.POSITIVE_INFINITY);
    expect(agentsForTarget(0, 180, { kind: 'serviceLevel', percent: 80, withinSeconds: 20 }, 0.85).agents).toBe(0);
  });
  it('respects the occupancy cap and the average-wait target', () => {
    // 10 E at a cap of 0.85 needs ⌈10/0.85⌉ = 12 agents even if 11 met the target.
    const capped = agentsForTarget(10, 180, { kind: 'maxAverageWait', seconds: 200 }, 0.85);
    expect(capped.agents).toBe(12);
    // ASA ≤ 30 s at 10 E / 180 s: 12 agents give 40.4 s, 13 give 17.1 s.
    expect(agentsForTarget(10, 180, { kind: 'maxAverageWait', seconds: 30 }, 1).agents).toBe(13);
  });
});
