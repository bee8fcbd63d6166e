import { randomUUID } from 'node:crypto';
import type { ChainMessageType } from '../codes/index.js';
import { CHAIN_DIRECTION, ChainRefusal, type Direction, type StayPhase } from './chain.rules.js';
import { applyChainEvent, initialChainState, stayPhase, type ChainEvent, type ConversationChainState } from './conversation.state-machine.js';

const H2K: Direction = 'hospital-to-municipality';
const K2H: Direction = 'municipality-to-hospital';

const ev = (type: string, extra: Partial<ChainEvent> = {}): ChainEvent => ({
  msgId: randomUUID(),
  type,
  direction: (CHAIN_DIRECTION as Record<string, Direction>)[type] ?? H2K,
  forsendelsesstatus: type.startsWith('DIALOG_') ? undefined : 'N',
  ...extra,
});

function run(events: ChainEvent[], state = initialChainState()): ConversationChainState {
  for (const e of events) {
    const r = applyChainEvent(state, e);
    if (!r.accepted) throw new Error(`setup refused ${e.type}: ${r.code}`);
    state = r.state;
  }
  return state;
}

const SETUP: Record<StayPhase, ChainMessageType[]> = {
  NOT_STARTED: [],
  INNLAGT: ['LOG_INNLAGT'],
  UTSKRIVNINGSKLAR: ['LOG_INNLAGT', 'LOG_UTSKRIVNINGSKLAR'],
  UTSKREVET: ['LOG_INNLAGT', 'LOG_UTSKREVET'],
};

// Expected outcome of a NEW (N) message in each phase: the next phase, or 'refused'.
const MATRIX: Record<StayPhase, Record<ChainMessageType, StayPhase | 'refused'>> = {
  NOT_STARTED: {
    LOG_INNLAGT: 'INNLAGT', INNLEGGELSESRAPPORT: 'INNLAGT', HELSEOPPL_SOKNAD: 'refused', LOG_UTSKRIVNINGSKLAR: 'refused',
    LOG_AVMELDING: 'refused', UTSKRIVNINGSRAPPORT: 'refused', LOG_UTSKREVET: 'refused',
  },
  INNLAGT: {
    LOG_INNLAGT: 'refused', INNLEGGELSESRAPPORT: 'INNLAGT', HELSEOPPL_SOKNAD: 'INNLAGT', LOG_UTSKRIVNINGSKLAR: 'UTSKRIVNINGSKLAR',
    LOG_AVMELDING: 'refused', UTSKRIVNINGSRAPPORT: 'INNLAGT', LOG_UTSKREVET: 'UTSKREVET',
  },
  UTSKRIVNINGSKLAR: {
    LOG_INNLAGT: 'refused', INNLEGGELSESRAPPORT: 'UTSKRIVNINGSKLAR', HELSEOPPL_SOKNAD: 'UTSKRIVNINGSKLAR', LOG_UTSKRIVNINGSKLAR: 'refused',
    LOG_AVMELDING: 'INNLAGT', UTSKRIVNINGSRAPPORT: 'UTSKRIVNINGSKLAR', LOG_UTSKREVET: 'UTSKREVET',
  },
  UTSKREVET: {
    LOG_INNLAGT: 'refused', INNLEGGELSESRAPPORT: 'refused', HELSEOPPL_SOKNAD: 'refused', LOG_UTSKRIVNINGSKLAR: 'refused',
    LOG_AVMELDING: 'refused', UTSKRIVNINGSRAPPORT: 'UTSKREVET', LOG_UTSKREVET: 'refused',
  },
};

describe('chain transitions for a new message (every phase × every chain message)', () => {
  const cases = (Object.keys(MATRIX) as StayPhase[]).flatMap((phase) =>
    (Object.keys(MATRIX[phase]) as ChainMessageType[]).map((type) => [phase, type, MATRIX[phase][type]] as const),
  );
  it.each(cases)('in phase %s, %s → %s', (phase, type, expected) => {
    const state = run(SETUP[phase].map((t) => ev(t)));
    expect(stayPhase(state)).toBe(phase);
    const r = applyChainEvent(state, ev(type));
    if (expected === 'refused') {
      expect(r).toMatchObject({ accepted: false, code: ChainRefusal.NOT_ALLOWED_IN_PHASE });
      expect(r.state).toBe(state);
    } else {
      expect(r).toMatchObject({ accepted: true, effect: 'STARTED' });
      expect(stayPhase(r.state)).toBe(expected);
    }
  });
});

describe('direction', () => {
  it.each(Object.entries(CHAIN_DIRECTION))('refuses %s in the wrong direction', (type, dir) => {
    const state = run(SETUP.INNLAGT.map((t) => ev(t)));
    const wrong = dir === H2K ? K2H : H2K;
    expect(applyChainEvent(state, ev(type, { direction: wrong }))).toMatchObject({ accepted: false, code: ChainRefusal.WRONG_DIRECTION });
  });
});

describe('MsgId and ConversationRef', () => {
  it('refuses a MsgId that is not a UUID', () => {
    expect(applyChainEvent(initialChainState(), ev('LOG_INNLAGT', { msgId: '12345' }))).toMatchObject({ accepted: false, code: ChainRefusal.INVALID_MSG_ID });
  });
  it('refuses a reused MsgId (every message needs a new one)', () => {
    const first = ev('LOG_INNLAGT');
    const s = run([first]);
    expect(applyChainEvent(s, ev('HELSEOPPL_SOKNAD', { msgId: first.msgId }))).toMatchObject({ accepted: false, code: ChainRefusal.DUPLICATE_MSG_ID });
  });
  it('refuses ConversationRef on the first message of a dialog', () => {
    expect(applyChainEvent(initialChainState(), ev('LOG_INNLAGT', { conversationRef: { refToParent: randomUUID(), refToConversation: randomUUID() } }))).toMatchObject({ accepted: false, code: ChainRefusal.CONVERSATION_REF_ON_FIRST });
  });
  it('accepts ConversationRef on a new PLO message that answers a Forespørsel (SvarPaaForesporsel)', () => {
    const q = ev('DIALOG_FORESPORSEL', { direction: K2H });
    const s = run([ev('LOG_INNLAGT'), q]);
    expect(applyChainEvent(s, ev('HELSEOPPL_SOKNAD', { svarPaaForesporsel: true, conversationRef: { refToParent: q.msgId, refToConversation: q.msgId } }))).toMatchObject({ accepted: true });
  });
  it.each(['M', 'C'])('refuses Forsendelsesstatus %s without ConversationRef', (status) => {
    const s = run([ev('LOG_INNLAGT'), ev('INNLEGGELSESRAPPORT')]);
    expect(applyChainEvent(s, ev('INNLEGGELSESRAPPORT', { forsendelsesstatus: status }))).toMatchObject({ accepted: false, code: ChainRefusal.CONVERSATION_REF_MISSING });
  });
  it('refuses an unknown Forsendelsesstatus (A Tillegg is not to be used)', () => {
    expect(applyChainEvent(initialChainState(), ev('LOG_INNLAGT', { forsendelsesstatus: 'A' }))).toMatchObject({ accepted: false, code: ChainRefusal.INVALID_FORSENDELSESSTATUS });
  });
  it('refuses a type outside the chain (LOG_DOD is municipality ↔ GP)', () => {
    expect(applyChainEvent(initialChainState(), ev('LOG_DOD'))).toMatchObject({ accepted: false, code: ChainRefusal.UNSUPPORTED_TYPE });
  });
});

describe('Endring (M) and Kansellering (C)', () => {
  const ref = (e: ChainEvent, parent = e) => ({ conversationRef: { refToParent: parent.msgId, refToConversation: e.msgId } });

  it.each(['LOG_INNLAGT', 'LOG_UTSKRIVNINGSKLAR', 'LOG_AVMELDING', 'LOG_UTSKREVET'])('refuses an Endring of Pasientlogistikk %s (only N and C)', (type) => {
    expect(applyChainEvent(initialChainState(), ev(type, { forsendelsesstatus: 'M' }))).toMatchObject({ accepted: false, code: ChainRefusal.CHANGE_NOT_ALLOWED });
  });

  it.each(['INNLEGGELSESRAPPORT', 'HELSEOPPL_SOKNAD', 'UTSKRIVNINGSRAPPORT'])('an Endring of %s replaces the version in force', (type) => {
    const n = ev(type);
    const s = run([ev('LOG_INNLAGT'), n]);
    const m = ev(type, { forsendelsesstatus: 'M', ...ref(n) });
    const r = applyChainEvent(s, m);
    expect(r).toMatchObject({ accepted: true, effect: 'REPLACED', conversationId: n.msgId });
    expect(r.state.dialogs[n.msgId].currentMsgId).toBe(m.msgId);
    const m2 = ev(type, { forsendelsesstatus: 'M', ...ref(n, m) });
    const r2 = applyChainEvent(r.state, m2);
    expect(r2.accepted && r2.state.dialogs[n.msgId].currentMsgId).toBe(m2.msgId);
  });

  it('refuses an Endring pointing to a dialog of another type', () => {
    const n = ev('INNLEGGELSESRAPPORT');
    const s = run([ev('LOG_INNLAGT'), n]);
    expect(applyChainEvent(s, ev('UTSKRIVNINGSRAPPORT', { forsendelsesstatus: 'M', ...ref(n) }))).toMatchObject({ accepted: false, code: ChainRefusal.TYPE_MISMATCH });
  });

  it('a cancellation cancels the dialog and undoes its effect on the stay', () => {
    const klar = ev('LOG_UTSKRIVNINGSKLAR');
    const s = run([ev('LOG_INNLAGT'), klar]);
    expect(stayPhase(s)).toBe('UTSKRIVNINGSKLAR');
    const r = applyChainEvent(s, ev('LOG_UTSKRIVNINGSKLAR', { forsendelsesstatus: 'C', ...ref(klar) }));
    expect(r).toMatchObject({ accepted: true, effect: 'CANCELLED' });
    expect(r.state.dialogs[klar.msgId].cancelled).toBe(true);
    expect(stayPhase(r.state)).toBe('INNLAGT');
  });

  it('refuses any message in a cancelled dialog', () => {
    const n = ev('INNLEGGELSESRAPPORT');
    const s = run([ev('LOG_INNLAGT'), n, ev('INNLEGGELSESRAPPORT', { forsendelsesstatus: 'C', ...ref(n) })]);
    expect(applyChainEvent(s, ev('INNLEGGELSESRAPPORT', { forsendelsesstatus: 'M', ...ref(n) }))).toMatchObject({ accepted: false, code: ChainRefusal.DIALOG_CANCELLED });
    expect(applyChainEvent(s, ev('INNLEGGELSESRAPPORT', { forsendelsesstatus: 'C', ...ref(n) }))).toMatchObject({ accepted: false, code: ChainRefusal.DIALOG_CANCELLED });
  });

  it('refuses a cancellation from the other side', () => {
    const n = ev('LOG_INNLAGT');
    const s = run([n]);
    expect(applyChainEvent(s, ev('LOG_INNLAGT', { forsendelsesstatus: 'C', direction: K2H, ...ref(n) }))).toMatchObject({ accepted: false, code: ChainRefusal.WRONG_DIRECTION });
  });

  it('handles a cancellation that arrives before its original (acceptance test criterion 22)', () => {
    const original = ev('LOG_INNLAGT');
    const early = applyChainEvent(initialChainState(), ev('LOG_INNLAGT', { forsendelsesstatus: 'C', ...ref(original) }));
    expect(early).toMatchObject({ accepted: true, effect: 'PENDING_CANCELLATION', conversationId: original.msgId });
    const late = applyChainEvent(early.state, original);
    expect(late).toMatchObject({ accepted: true, effect: 'CANCELLED_ON_ARRIVAL' });
    expect(late.state.dialogs[original.msgId]).toMatchObject({ cancelled: true, originalSeen: true });
    expect(stayPhase(late.state)).toBe('NOT_STARTED');
  });

  it('files an original that arrives after its Endring as superseded', () => {
    const original = ev('INNLEGGELSESRAPPORT');
    const m = ev('INNLEGGELSESRAPPORT', { forsendelsesstatus: 'M', ...ref(original) });
    const early = applyChainEvent(initialChainState(), m);
    expect(early).toMatchObject({ accepted: true, effect: 'PENDING_CHANGE' });
    const late = applyChainEvent(early.state, original);
    expect(late).toMatchObject({ accepted: true, effect: 'SUPERSEDED' });
    expect(late.state.dialogs[original.msgId].currentMsgId).toBe(m.msgId);
    expect(stayPhase(late.state)).toBe('INNLAGT');
  });
});

describe('Dialogmelding around the chain', () => {
  it('a Forespørsel starts a dialog; the Svar goes back with ConversationRef', () => {
    const q = ev('DIALOG_FORESPORSEL', { direction: K2H });
    const s = run([q]);
    expect(applyChainEvent(s, ev('DIALOG_SVAR', { direction: H2K, conversationRef: { refToParent: q.msgId, refToConversation: q.msgId } }))).toMatchObject({ accepted: true, effect: 'ANSWERED' });
  });
  it('refuses a Svar without ConversationRef, in the same direction as the question, or to a non-question', () => {
    const q = ev('DIALOG_FORESPORSEL', { direction: K2H });
    const n = ev('LOG_INNLAGT');
    const s = run([n, q]);
    expect(applyChainEvent(s, ev('DIALOG_SVAR', { direction: H2K }))).toMatchObject({ accepted: false, code: ChainRefusal.CONVERSATION_REF_MISSING });
    expect(applyChainEvent(s, ev('DIALOG_SVAR', { direction: K2H, conversationRef: { refToParent: q.msgId, refToConversation: q.msgId } }))).toMatchObject({ accepted: false, code: ChainRefusal.WRONG_DIRECTION });
    expect(applyChainEvent(s, ev('DIALOG_SVAR', { direction: K2H, conversationRef: { refToParent: n.msgId, refToConversation: n.msgId } }))).toMatchObject({ accepted: false, code: ChainRefusal.SVAR_WITHOUT_FORESPORSEL });
  });
  it('a Tilbakemelding om feil (DIALOG_AVVIK) goes back to the sender of the reported message', () => {
    const n = ev('LOG_INNLAGT');
    const s = run([n]);
    const cr = { conversationRef: { refToParent: n.msgId, refToConversation: n.msgId } };
    expect(applyChainEvent(s, ev('DIALOG_AVVIK', { direction: K2H, ...cr }))).toMatchObject({ accepted: true, effect: 'FOLLOW_UP' });
    expect(applyChainEvent(s, ev('DIALOG_AVVIK', { direction: H2K, ...cr }))).toMatchObject({ accepted: false, code: ChainRefusal.WRONG_DIRECTION });
    expect(applyChainEvent(s, ev('DIALOG_AVVIK', { direction: K2H }))).toMatchObject({ accepted: false, code: ChainRefusal.CONVERSATION_REF_MISSING });
  });
});

describe('the whole admission → discharge chain', () => {
  it('accepts the flow of DOMAIN.md §2 in order', () => {
    let s = initialChainState();
    const phases: StayPhase[] = [];
    for (const t of ['LOG_INNLAGT', 'INNLEGGELSESRAPPORT', 'HELSEOPPL_SOKNAD', 'HELSEOPPL_SOKNAD', 'LOG_UTSKRIVNINGSKLAR', 'LOG_AVMELDING', 'LOG_UTSKRIVNINGSKLAR', 'UTSKRIVNINGSRAPPORT', 'LOG_UTSKREVET'] as const) {
      const r = applyChainEvent(s, ev(t));
      expect(r.accepted).toBe(true);
      s = r.state;
      phases.push(stayPhase(s));
    }
    expect(phases).toEqual(['INNLAGT', 'INNLAGT', 'INNLAGT', 'INNLAGT', 'UTSKRIVNINGSKLAR', 'INNLAGT', 'UTSKRIVNINGSKLAR', 'UTSKRIVNINGSKLAR', 'UTSKREVET']);
  });
});
