import { CHAIN_MESSAGE_TYPES, type ChainMessageType, type Forsendelsesstatus } from '../codes/index.js';
import {
  ALLOWED_FORSENDELSESSTATUS, CHAIN_DIRECTION, ChainRefusal, DIALOG_TYPES, opposite, PHASE_TRANSITIONS,
  type ChainRefusalCode, type DialogMessageType, type Direction, type StayPhase,
} from './chain.rules.js';

/** One message as the chain sees it (no clinical content, no person data). */
export interface ChainEvent {
  readonly msgId: string;
  readonly type: string;
  readonly direction: Direction;
  /** PLO Forsendelsesstatus; absent for Dialogmelding. */
  readonly forsendelsesstatus?: string;
  /** `InformasjonOmForsendelsen/SvarPaaForesporsel` – a PLO answer to a Forespørsel. */
  readonly svarPaaForesporsel?: boolean;
  readonly conversationRef?: { readonly refToParent: string; readonly refToConversation: string };
}

/** A dialog: the first message (conversation id = its MsgId) and its follow-ups. */
export interface DialogState {
  readonly conversationId: string;
  /** Undefined while only an early follow-up (e.g. a cancellation) has been seen. */
  readonly type?: string;
  readonly direction?: Direction;
  /** MsgId of the version in force: the original, or the last Endring (M replaces). */
  readonly currentMsgId?: string;
  readonly cancelled: boolean;
  /** The original (N / first message) has arrived. */
  readonly originalSeen: boolean;
  readonly msgIds: readonly string[];
  /** Arrival order of the dialog's start (for replaying the phase). */
  readonly seq: number;
}

export interface ConversationChainState {
  readonly dialogs: Readonly<Record<string, DialogState>>;
  readonly seenMsgIds: Readonly<Record<string, string>>;
  readonly nextSeq: number;
}

export type ChainEffect =
  | 'STARTED'
  | 'REPLACED'
  | 'CANCELLED'
  | 'PENDING_CANCELLATION'
  | 'CANCELLED_ON_ARRIVAL'
  | 'PENDING_CHANGE'
  | 'SUPERSEDED'
  | 'ANSWERED'
  | 'FOLLOW_UP';

export type ChainResult =
  | { readonly accepted: true; readonly state: ConversationChainState; readonly effect: ChainEffect; readonly conversationId: string }
  | { readonly accepted: false; readonly state: ConversationChainState; readonly code: ChainRefusalCode; readonly message: string };

export const initialChainState = (): ConversationChainState => ({ dialogs: {}, seenMsgIds: {}, nextSeq: 0 });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** MsgId must be a UUID/GUID (END §4.2; AR: E10 otherwise). */
export const isUuid = (s: string): boolean => UUID.test(s);

const isChainType = (t: string): t is ChainMessageType => (CHAIN_MESSAGE_TYPES as readonly string[]).includes(t);
const isDialogType = (t: string): t is DialogMessageType => (DIALOG_TYPES as readonly string[]).includes(t);

/**
 * The phase of the stay: replay the dialogs that are in force (not cancelled, original seen),
 * in arrival order. A cancellation therefore undoes its message's effect on the phase.
 */
export function stayPhase(state: ConversationChainState): StayPhase {
  let phase: StayPhase = 'NOT_STARTED';
  const active = Object.values(state.dialogs)
    .filter((d) => !d.cancelled && d.originalSeen && d.type !== undefined && isChainType(d.type))
    .sort((a, b) => a.seq - b.seq);
  for (const d of active) {
    const allowed: Partial<Record<ChainMessageType, StayPhase | undefined>> = PHASE_TRANSITIONS[phase];
    const t = d.type as ChainMessageType;
    if (t in allowed) phase = allowed[t] ?? phase;
  }
  return phase;
}

/**
 * Applies one incoming message to a stay's chain state. Pure: returns the new state, or a
 * refusal with a stable code and the unchanged state.
 */
export function applyChainEvent(state: ConversationChainState, e: ChainEvent): ChainResult {
  const refuse = (code: ChainRefusalCode, message: string): ChainResult => ({ accepted: false, state, code, message });
  if (!isUuid(e.msgId)) return refuse(ChainRefusal.INVALID_MSG_ID, 'MsgId is not a UUID');
  if (state.seenMsgIds[e.msgId] !== undefined) return refuse(ChainRefusal.DUPLICATE_MSG_ID, 'MsgId already seen: every message needs a new MsgId');
  if (isDialogType(e.type)) return applyDialog(state, e, refuse);
  if (!isChainType(e.type)) return refuse(ChainRefusal.UNSUPPORTED_TYPE, `${e.type} is not part of the admission/discharge chain`);

  const type = e.type;
  if (e.direction !== CHAIN_DIRECTION[type]) return refuse(ChainRefusal.WRONG_DIRECTION, `${type} goes ${CHAIN_DIRECTION[type]}`);
  const status = e.forsendelsesstatus as Forsendelsesstatus;
  if (!['N', 'M', 'C'].includes(status)) return refuse(ChainRefusal.INVALID_FORSENDELSESSTATUS, 'Forsendelsesstatus must be N, M or C');
  if (!ALLOWED_FORSENDELSESSTATUS[type].includes(status)) return refuse(ChainRefusal.CHANGE_NOT_ALLOWED, `${type} allows only ${ALLOWED_FORSENDELSESSTATUS[type].join('/')}`);

  if (status === 'N') {
    // A PLO answer to a Forespørsel refers to the question; any other new message starts a dialog.
    if (e.conversationRef && !e.svarPaaForesporsel) return refuse(ChainRefusal.CONVERSATION_REF_ON_FIRST, 'the first message of a dialog must not carry ConversationRef');
    const existing = state.dialogs[e.msgId];
    if (existing) {
      // Follow-ups arrived first (acceptance test criterion 22): the original is filed, not applied.
      if (existing.type !== undefined && existing.type !== type) return refuse(ChainRefusal.TYPE_MISMATCH, 'the follow-ups of this dialog have another type');
      const dialog: DialogState = { ...existing, type, direction: e.direction, originalSeen: true, msgIds: [...existing.msgIds, e.msgId], currentMsgId: existing.currentMsgId ?? e.msgId };
      return accept(state, e, dialog, existing.cancelled ? 'CANCELLED_ON_ARRIVAL' : 'SUPERSEDED');
    }
    const phase = stayPhase(state);
    if (!(type in PHASE_TRANSITIONS[phase])) return refuse(ChainRefusal.NOT_ALLOWED_IN_PHASE, `${type} is not allowed when the stay is ${phase}`);
    const dialog: DialogState = { conversationId: e.msgId, type, direction: e.direction, currentMsgId: e.msgId, cancelled: false, originalSeen: true, msgIds: [e.msgId], seq: state.nextSeq };
    return accept(state, e, dialog, 'STARTED');
  }

  // M and C: message 2+ of a dialog.
  if (!e.conversationRef) return refuse(ChainRefusal.CONVERSATION_REF_MISSING, `Forsendelsesstatus ${status} needs ConversationRef to the dialog start`);
  const id = e.conversationRef.refToConversation;
  const d = state.dialogs[id];
  if (d?.type !== undefined && d.type !== type) return refuse(ChainRefusal.TYPE_MISMATCH, `ConversationRef points to a ${d.type} dialog`);
  if (d?.direction !== undefined && d.direction !== e.direction) return refuse(ChainRefusal.WRONG_DIRECTION, 'a change or cancellation comes from the sender of the original');
  if (d?.cancelled) return refuse(ChainRefusal.DIALOG_CANCELLED, 'the dialog has been cancelled');
  const base: DialogState = d ?? { conversationId: id, type, direction: e.direction, cancelled: false, originalSeen: false, msgIds: [], seq: state.nextSeq };
  if (status === 'C') {
    // A cancellation cancels all earlier messages of the dialog (END §4.2, KOB §3.3).
    return accept(state, e, { ...base, type, cancelled: true, msgIds: [...base.msgIds, e.msgId] }, d?.originalSeen ? 'CANCELLED' : 'PENDING_CANCELLATION');
  }
  // M: full content, replaces the version in force.
  return accept(state, e, { ...base, type, currentMsgId: e.msgId, msgIds: [...base.msgIds, e.msgId] }, d?.originalSeen ? 'REPLACED' : 'PENDING_CHANGE');
}

function applyDialog(state: ConversationChainState, e: ChainEvent, refuse: (c: ChainRefusalCode, m: string) => ChainResult): ChainResult {
  if (e.type === 'DIALOG_FORESPORSEL') {
    if (!e.conversationRef) {
      const dialog: DialogState = { conversationId: e.msgId, type: e.type, direction: e.direction, currentMsgId: e.msgId, cancelled: false, originalSeen: true, msgIds: [e.msgId], seq: state.nextSeq };
      return accept(state, e, dialog, 'STARTED');
    }
    return followUp(state, e, 'FOLLOW_UP');
  }
  if (!e.conversationRef) return refuse(ChainRefusal.CONVERSATION_REF_MISSING, `${e.type} must refer to the message it answers (ConversationRef)`);
  const d = state.dialogs[e.conversationRef.refToConversation];
  if (e.type === 'DIALOG_SVAR') {
    if (d?.type !== undefined && d.type !== 'DIALOG_FORESPORSEL') return refuse(ChainRefusal.SVAR_WITHOUT_FORESPORSEL, 'DIALOG_SVAR must answer a DIALOG_FORESPORSEL');
    if (d?.direction !== undefined && d.direction !== opposite(e.direction)) return refuse(ChainRefusal.WRONG_DIRECTION, 'the answer goes back to the asker');
    return followUp(state, e, 'ANSWERED');
  }
  // DIALOG_AVVIK: goes back to the sender of the message it reports (AVV §4.2).
  if (d?.direction !== undefined && d.direction !== opposite(e.direction)) return refuse(ChainRefusal.WRONG_DIRECTION, 'Tilbakemelding om feil goes back to the sender of the message');
  return followUp(state, e, 'FOLLOW_UP');
}

function followUp(state: ConversationChainState, e: ChainEvent, effect: ChainEffect): ChainResult {
  const id = e.conversationRef!.refToConversation;
  const d = state.dialogs[id];
  // A follow-up to a dialog not seen here (e.g. started before the hub) is recorded, not refused.
  const base: DialogState = d ?? { conversationId: id, cancelled: false, originalSeen: false, msgIds: [], seq: state.nextSeq };
  return accept(state, e, { ...base, msgIds: [...base.msgIds, e.msgId] }, effect);
}

function accept(state: ConversationChainState, e: ChainEvent, dialog: DialogState, effect: ChainEffect): ChainResult {
  return {
    accepted: true,
    effect,
    conversationId: dialog.conversationId,
    state: {
      dialogs: { ...state.dialogs, [dialog.conversationId]: dialog },
      seenMsgIds: { ...state.seenMsgIds, [e.msgId]: dialog.conversationId },
      nextSeq: state.nextSeq + 1,
    },
  };
}
