// Types for generate.mjs (used by the manifest tests).
import type { TopicDefinition } from '@hub/contracts';

export interface Acl {
  resource: { type: 'topic' | 'group'; name: string; patternType: 'literal' | 'prefix' };
  operations: string[];
  host: string;
}
export interface ServiceSpec {
  name: string;
  port: number;
  talksTo?: string[];
}
export interface SimulatorSpec {
  name: string;
  port: number;
  epjSystem: string;
}
export interface PartySeed {
  herId: number;
  name: string;
  epjSystem: string;
}

export const root: string;
export const SERVICES: ServiceSpec[];
export const SIMULATORS: SimulatorSpec[];
export function readParties(): PartySeed[];
export function allTopics(parties?: PartySeed[]): TopicDefinition[];
export function kafkaUserAcls(spec: ServiceSpec | SimulatorSpec, parties?: PartySeed[]): Acl[];
export function generate(): Map<string, string>;
export function drift(): string[];
