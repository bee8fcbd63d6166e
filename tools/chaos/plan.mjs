// Pure logic of the chaos run (tools/chaos/chaos.mjs): the fault schedule, the summary line and
// the verdict. No I/O here, so apps/e2e/src/chaos-plan.spec.ts can test it.

/**
 * A small seeded pseudo-random generator (mulberry32), so that a run can be repeated with
 * `--seed` when it found something.
 * @param {number} seed
 * @returns {() => number} uniform in [0, 1)
 */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The faults of one run: every service process killed once (SIGKILL), the broker restarted once,
 * the database restarted once, in a random order. Each fires when the run has come that far:
 * `atAcknowledged` is a number of acknowledged messages, spread at random over [from, to] of N
 * (progress, not wall-clock time, because the pipeline's speed varies by machine and load), at
 * least one message apart and sorted, so they happen one after another while messages are in flight.
 *
 * @param {{ services: string[], messages: number, random: () => number, from?: number, to?: number }} opts
 * @returns {{ kind: 'service' | 'kafka' | 'database', target: string, atAcknowledged: number }[]}
 */
export function planFaults({ services, messages, random, from = 0.05, to = 0.85 }) {
  if (!Number.isInteger(messages) || messages < 1) throw new RangeError('messages must be a positive integer');
  const faults = [
    ...services.map((s) => ({ kind: /** @type {const} */ ('service'), target: s })),
    { kind: /** @type {const} */ ('kafka'), target: 'kafka broker' },
    { kind: /** @type {const} */ ('database'), target: 'database' },
  ];
  // Fisher-Yates with the given generator.
  for (let i = faults.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [faults[i], faults[j]] = [faults[j], faults[i]];
  }
  const lo = Math.floor(messages * from);
  const hi = Math.max(lo, Math.floor(messages * to));
  const points = faults.map(() => lo + Math.floor(random() * (hi - lo + 1))).sort((a, b) => a - b);
  // Never two faults at the same point: one fault is over (restarted, ready) before the next.
  for (let i = 1; i < points.length; i++) if (points[i] <= points[i - 1]) points[i] = points[i - 1] + 1;
  return faults.map((f, i) => ({ ...f, atAcknowledged: points[i] }));
}

/**
 * The one line a run ends with (docs/chaos.md).
 * @param {{ messages: number, acknowledged: number, lost: number, duplicates: number, faults: number }} r
 */
export function summaryLine(r) {
  return `chaos: messages=${r.messages} acknowledged=${r.acknowledged} lost=${r.lost} duplicates=${r.duplicates} faults=${r.faults}`;
}

/** Exit status: 0 only when every message was acknowledged, none lost, none duplicated. */
export function verdict(r) {
  return r.acknowledged === r.messages && r.lost === 0 && r.duplicates === 0 ? 0 : 1;
}

/**
 * Duplicates from the counting queries: messages filed more than once into a journal (per party
 * and MsgId, or a second answer filed for one admission) plus messages acknowledged more than once
 * (two distinct AppRecs from one receiver for one message).
 * @param {{ filedTwice: number, answeredTwice: number, acknowledgedTwice: number }} c
 */
export function duplicatesOf(c) {
  return c.filedTwice + c.answeredTwice + c.acknowledgedTwice;
}

/** `mm:ss` since the start of the run. */
export function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
