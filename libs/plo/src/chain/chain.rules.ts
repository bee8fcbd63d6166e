import type { ChainMessageType, Forsendelsesstatus, MessageType } from '../codes/index.js';

/** Who sends: the hospital (spesialisthelsetjenesten) or the municipality (kommunen). */
export type Direction = 'hospital-to-municipality' | 'municipality-to-hospital';

export const opposite = (d: Direction): Direction => (d === 'hospital-to-municipality' ? 'municipality-to-hospital' : 'hospital-to-municipality');

/** Fixed direction of each chain message (DOMAIN.md §2 table, "Direction" column). */
export const CHAIN_DIRECTION: Readonly<Record<ChainMessageType, Direction>> = {
  LOG_INNLAGT: 'hospital-to-municipality',
  INNLEGGELSESRAPPORT: 'municipality-to-hospital',
  HELSEOPPL_SOKNAD: 'hospital-to-municipality',
  LOG_UTSKRIVNINGSKLAR: 'hospital-to-municipality',
  LOG_AVMELDING: 'hospital-to-municipality',
  UTSKRIVNINGSRAPPORT: 'hospital-to-municipality',
  LOG_UTSKREVET: 'hospital-to-municipality',
};

/** Forsendelsesstatus allowed per message (DOMAIN.md §3, END §2–3): Pasientlogistikk N and C only. */
export const ALLOWED_FORSENDELSESSTATUS: Readonly<Record<ChainMessageType, readonly Forsendelsesstatus[]>> = {
  LOG_INNLAGT: ['N', 'C'],
  INNLEGGELSESRAPPORT: ['N', 'M', 'C'],
  HELSEOPPL_SOKNAD: ['N', 'M', 'C'],
  LOG_UTSKRIVNINGSKLAR: ['N', 'C'],
  LOG_AVMELDING: ['N', 'C'],
  UTSKRIVNINGSRAPPORT: ['N', 'M', 'C'],
  LOG_UTSKREVET: ['N', 'C'],
};

/** Where a patient stay is in the admission → discharge flow (VV §8.1). */
export type StayPhase = 'NOT_STARTED' | 'INNLAGT' | 'UTSKRIVNINGSKLAR' | 'UTSKREVET';

/**
 * Which new dialog (Forsendelsesstatus N) may start in which phase, and the phase after it.
 * Sources: DOMAIN.md §2 (#1–#9). `undefined` next phase = unchanged.
 * - INNLEGGELSESRAPPORT may come without LOG_INNLAGT since 02/2020 [IR-web], so it can start a stay.
 * - HELSEOPPL_SOKNAD may be sent many times while the patient is in hospital [HO §1, §4.3].
 * - LOG_AVMELDING only for a patient who is utskrivningsklar; it ends that status [PL §3.4].
 * - UTSKRIVNINGSRAPPORT and LOG_UTSKREVET are sent together on the discharge day, in either order
 *   [UR §1, PL §3.5], so the report is still accepted after LOG_UTSKREVET.
 */
export const PHASE_TRANSITIONS: Readonly<Record<StayPhase, Partial<Record<ChainMessageType, StayPhase | undefined>>>> = {
  NOT_STARTED: { LOG_INNLAGT: 'INNLAGT', INNLEGGELSESRAPPORT: 'INNLAGT' },
  INNLAGT: {
    INNLEGGELSESRAPPORT: undefined,
    HELSEOPPL_SOKNAD: undefined,
    LOG_UTSKRIVNINGSKLAR: 'UTSKRIVNINGSKLAR',
    UTSKRIVNINGSRAPPORT: undefined,
    LOG_UTSKREVET: 'UTSKREVET',
  },
  UTSKRIVNINGSKLAR: {
    INNLEGGELSESRAPPORT: undefined,
    HELSEOPPL_SOKNAD: undefined,
    LOG_AVMELDING: 'INNLAGT',
    UTSKRIVNINGSRAPPORT: undefined,
    LOG_UTSKREVET: 'UTSKREVET',
  },
  UTSKREVET: { UTSKRIVNINGSRAPPORT: undefined },
};

/** Stable refusal codes of the chain state machine. */
export const ChainRefusal = {
  INVALID_MSG_ID: 'CHAIN.INVALID_MSG_ID',
  DUPLICATE_MSG_ID: 'CHAIN.DUPLICATE_MSG_ID',
  UNSUPPORTED_TYPE: 'CHAIN.UNSUPPORTED_TYPE',
  WRONG_DIRECTION: 'CHAIN.WRONG_DIRECTION',
  INVALID_FORSENDELSESSTATUS: 'CHAIN.INVALID_FORSENDELSESSTATUS',
  CHANGE_NOT_ALLOWED: 'CHAIN.CHANGE_NOT_ALLOWED',
  CONVERSATION_REF_ON_FIRST: 'CHAIN.CONVERSATION_REF_ON_FIRST',
  CONVERSATION_REF_MISSING: 'CHAIN.CONVERSATION_REF_MISSING',
  TYPE_MISMATCH: 'CHAIN.TYPE_MISMATCH',
  DIALOG_CANCELLED: 'CHAIN.DIALOG_CANCELLED',
  NOT_ALLOWED_IN_PHASE: 'CHAIN.NOT_ALLOWED_IN_PHASE',
  SVAR_WITHOUT_FORESPORSEL: 'CHAIN.SVAR_WITHOUT_FORESPORSEL',
} as const;
export type ChainRefusalCode = (typeof ChainRefusal)[keyof typeof ChainRefusal];

/** Dialog (non-chain) message types the machine also tracks. */
export const DIALOG_TYPES = ['DIALOG_FORESPORSEL', 'DIALOG_SVAR', 'DIALOG_AVVIK'] as const satisfies readonly MessageType[];
export type DialogMessageType = (typeof DIALOG_TYPES)[number];
