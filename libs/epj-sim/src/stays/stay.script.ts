import type { SimulatedMessageType } from '../documents/chain-message.factory.js';
import { HospitalService, MunicipalService } from '../documents/party-address.js';
import { deterministicUuid } from '../ids/deterministic-id.js';

/** One message the hospital sends in a stay. */
export interface StayStep {
  readonly type: Exclude<SimulatedMessageType, 'INNLEGGELSESRAPPORT'>;
  /** Sending hospital service. */
  readonly from: keyof typeof HospitalService;
  /** Receiving municipal service (DOMAIN.md §2 "Receiving service"). */
  readonly to: keyof typeof MunicipalService;
  /** Wait for the municipality's INNLEGGELSESRAPPORT before the next step. */
  readonly awaitInnleggelsesrapport?: boolean;
}

/**
 * The admission → discharge chain the hospital EPJ runs per stay (DOMAIN.md §2):
 * LOG_INNLAGT → (INNLEGGELSESRAPPORT from the municipality) → HELSEOPPL_SOKNAD →
 * LOG_UTSKRIVNINGSKLAR → UTSKRIVNINGSRAPPORT + LOG_UTSKREVET.
 */
export const STAY_SCRIPT: readonly StayStep[] = [
  { type: 'LOG_INNLAGT', from: 'innleggelse', to: 'sykepleietjenesten', awaitInnleggelsesrapport: true },
  { type: 'HELSEOPPL_SOKNAD', from: 'innleggelse', to: 'saksbehandlertjenesten' },
  { type: 'LOG_UTSKRIVNINGSKLAR', from: 'utskrivning', to: 'saksbehandlertjenesten' },
  { type: 'UTSKRIVNINGSRAPPORT', from: 'utskrivning', to: 'sykepleietjenesten' },
  { type: 'LOG_UTSKREVET', from: 'utskrivning', to: 'sykepleietjenesten' },
];

/** A planned message of a stay: who sends what to whom, with its MsgId fixed up front. */
export interface PlannedMessage extends StayStep {
  readonly step: number;
  /** Derived from the stay id and step, so a resubmission is idempotent at intake. */
  readonly msgId: string;
  readonly senderHerId: number;
  readonly receiverHerId: number;
}

/** The messages of one stay between the hospital (organisation HER-id) and a municipality. */
export function planStay(stayId: string, hospitalHerId: number, municipalityHerId: number, script: readonly StayStep[] = STAY_SCRIPT): PlannedMessage[] {
  return script.map((s, step) => ({
    ...s,
    step,
    msgId: deterministicUuid('stay', stayId, String(step), s.type),
    senderHerId: HospitalService[s.from](hospitalHerId),
    receiverHerId: MunicipalService[s.to](municipalityHerId),
  }));
}

export interface MunicipalityChoice {
  readonly herId: number;
  readonly epjSystem: string;
}

/**
 * Picks the municipality of each of `count` stays: alternating between EPJ systems (so a demo
 * exercises Gerica and Profil equally) and round-robin within each system.
 */
export function distributeStays<M extends MunicipalityChoice>(count: number, municipalities: readonly M[]): M[] {
  if (municipalities.length === 0) return [];
  const bySystem = new Map<string, M[]>();
  for (const m of [...municipalities].sort((a, b) => a.herId - b.herId)) bySystem.set(m.epjSystem, [...(bySystem.get(m.epjSystem) ?? []), m]);
  const systems = [...bySystem.keys()].sort();
  const next = new Map(systems.map((s) => [s, 0]));
  return Array.from({ length: count }, (_, i) => {
    const system = systems[i % systems.length]!;
    const list = bySystem.get(system)!;
    const k = next.get(system)!;
    next.set(system, k + 1);
    return list[k % list.length]!;
  });
}
