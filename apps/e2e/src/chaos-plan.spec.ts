/**
 * The pure part of `npm run chaos` (tools/chaos/plan.mjs): which faults a run injects and when,
 * and how it judges the result. The run itself is a script (docs/chaos.md), not a test.
 */
// The chaos run is a plain script beside the hub launcher (it runs from compiled output).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { clock, duplicatesOf, planFaults, seededRandom, summaryLine, verdict } from '../../../tools/chaos/plan.mjs';

const SERVICES = ['intake', 'validation', 'crypto', 'dispatch', 'receipt-tracker', 'alerting', 'ops-console', 'hospital-epj', 'gerica-adapter', 'profil-adapter'];

describe('chaos fault plan', () => {
  it('kills every service once and restarts the broker and the database once each', () => {
    const plan = planFaults({ services: SERVICES, messages: 2000, random: seededRandom(7) });
    expect(plan).toHaveLength(SERVICES.length + 2);
    expect(plan.filter((f) => f.kind === 'service').map((f) => f.target).sort()).toEqual([...SERVICES].sort());
    expect(plan.filter((f) => f.kind === 'kafka')).toHaveLength(1);
    expect(plan.filter((f) => f.kind === 'database')).toHaveLength(1);
  });

  it('fires the faults one after another while messages are in flight (between 5 % and 85 % acknowledged)', () => {
    for (const seed of [1, 2, 3, 42, 2026]) {
      const points = planFaults({ services: SERVICES, messages: 2000, random: seededRandom(seed) }).map((f) => f.atAcknowledged);
      for (let i = 1; i < points.length; i++) expect(points[i]).toBeGreaterThan(points[i - 1]);
      expect(points[0]).toBeGreaterThanOrEqual(100);
      expect(points[points.length - 1]).toBeLessThanOrEqual(1700);
    }
  });

  it('still gives distinct points when there are fewer messages than faults', () => {
    const points = planFaults({ services: SERVICES, messages: 3, random: seededRandom(1) }).map((f) => f.atAcknowledged);
    expect(new Set(points).size).toBe(points.length);
  });

  it('is repeatable from its seed and differs between seeds', () => {
    const a = planFaults({ services: SERVICES, messages: 500, random: seededRandom(11) });
    expect(planFaults({ services: SERVICES, messages: 500, random: seededRandom(11) })).toEqual(a);
    expect(planFaults({ services: SERVICES, messages: 500, random: seededRandom(12) })).not.toEqual(a);
  });

  it('refuses a message count that is not a positive integer', () => {
    expect(() => planFaults({ services: SERVICES, messages: 0, random: seededRandom(1) })).toThrow(RangeError);
  });
});

describe('chaos verdict', () => {
  const ok = { messages: 2000, acknowledged: 2000, lost: 0, duplicates: 0, faults: 12 };

  it('prints the one summary line of the issue', () => {
    expect(summaryLine(ok)).toBe('chaos: messages=2000 acknowledged=2000 lost=0 duplicates=0 faults=12');
  });

  it('passes only when everything was acknowledged once and nothing was lost', () => {
    expect(verdict(ok)).toBe(0);
    expect(verdict({ ...ok, acknowledged: 1999, lost: 1 })).toBe(1);
    expect(verdict({ ...ok, acknowledged: 1999 })).toBe(1);
    expect(verdict({ ...ok, duplicates: 1 })).toBe(1);
  });

  it('counts a journal double filing, a second answer and a second AppRec each as a duplicate', () => {
    expect(duplicatesOf({ filedTwice: 1, answeredTwice: 2, acknowledgedTwice: 3 })).toBe(6);
    expect(duplicatesOf({ filedTwice: 0, answeredTwice: 0, acknowledgedTwice: 0 })).toBe(0);
  });

  it('stamps faults with minutes and seconds since the start', () => {
    expect(clock(0)).toBe('00:00');
    expect(clock(41_900)).toBe('00:41');
    expect(clock(3_723_000)).toBe('62:03');
  });
});
