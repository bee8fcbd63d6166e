// Types for plan.mjs (used by apps/e2e/src/chaos-plan.spec.ts).
export interface PlannedFault {
  kind: 'service' | 'kafka' | 'database';
  target: string;
  atAcknowledged: number;
}
export interface ChaosResult {
  messages: number;
  acknowledged: number;
  lost: number;
  duplicates: number;
  faults: number;
}
export function seededRandom(seed: number): () => number;
export function planFaults(opts: { services: string[]; messages: number; random: () => number; from?: number; to?: number }): PlannedFault[];
export function summaryLine(r: ChaosResult): string;
export function verdict(r: ChaosResult): 0 | 1;
export function duplicatesOf(c: { filedTwice: number; answeredTwice: number; acknowledgedTwice: number }): number;
export function clock(ms: number): string;
