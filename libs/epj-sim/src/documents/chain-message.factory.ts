import {
  buildMsgHead, createMessage, createPasientlogistikk, hendelsekode, nowDateTime, parseMsgHead,
  type HubMessage, type Organisation, type Patient, type Payload,
} from '@hub/plo';
import { PAYLOAD_TEMPLATES } from './payload-templates.js';

/** The chain messages the simulators send (DOMAIN.md §2). */
export type SimulatedMessageType =
  | 'LOG_INNLAGT' | 'INNLEGGELSESRAPPORT' | 'HELSEOPPL_SOKNAD' | 'LOG_UTSKRIVNINGSKLAR' | 'UTSKRIVNINGSRAPPORT' | 'LOG_UTSKREVET';

export interface ChainMessageInput {
  readonly type: SimulatedMessageType;
  readonly sender: Organisation;
  readonly receiver: Organisation;
  readonly patient: Patient;
  readonly msgId: string;
  /** Time of the events in the payload (admission, ready, discharge); default now. */
  readonly eventTime?: string;
  readonly genDate?: string;
}

const templateCache = new Map<string, Payload>();

/** The clinical body of an official sample (fictive persons), parsed once. */
function templatePayload(type: keyof typeof PAYLOAD_TEMPLATES): Payload {
  let p = templateCache.get(type);
  if (!p) {
    p = parseMsgHead(PAYLOAD_TEMPLATES[type]).documents[0]?.refDoc.content;
    if (!p) throw new Error(`payload template ${type} has no content`);
    templateCache.set(type, p);
  }
  return p;
}

/** The payload of a chain message: Pasientlogistikk built from scratch, reports from the sample bodies. */
export function chainPayload(type: SimulatedMessageType, at: string): Payload {
  switch (type) {
    case 'LOG_INNLAGT':
      return createPasientlogistikk({ type, hendelser: [{ hendelsekode: hendelsekode('1'), tidspunkt: at, beskrivelse: 'Pasienten er innlagt (simulert opphold)' }] });
    case 'LOG_UTSKRIVNINGSKLAR':
      // Hendelsekode 1 (innlagt) + 3 (utskrivningsklar) [PL §3.3].
      return createPasientlogistikk({ type, hendelser: [{ hendelsekode: hendelsekode('1'), tidspunkt: at }, { hendelsekode: hendelsekode('3'), tidspunkt: at }] });
    case 'LOG_UTSKREVET':
      // Hendelsekode 2 + UtskrevetTil, kodeverk 8408 [PL §3.5].
      return createPasientlogistikk({
        type, hendelser: [{ hendelsekode: hendelsekode('2'), tidspunkt: at }],
        utskrevetTil: { v: '1', dn: 'Bosted/arbeidssted', s: '2.16.578.1.12.4.1.1.8408' },
      });
    case 'INNLEGGELSESRAPPORT':
    case 'HELSEOPPL_SOKNAD':
    case 'UTSKRIVNINGSRAPPORT':
      return templatePayload(type);
  }
}

/**
 * A new chain message (Forsendelsesstatus N, no ConversationRef: every chain message starts its
 * own dialog in PLO, see docs/plo.md "Chain rules"), with the given MsgId.
 */
export function createChainMessage(input: ChainMessageInput): HubMessage {
  const genDate = input.genDate ?? nowDateTime();
  return createMessage({
    type: input.type, sender: { organisation: input.sender }, receiver: { organisation: input.receiver },
    patient: input.patient, payload: chainPayload(input.type, input.eventTime ?? genDate), msgId: input.msgId, genDate,
  });
}

/** The MsgHead XML of a chain message. */
export function buildChainMessageXml(input: ChainMessageInput): string {
  return buildMsgHead(createChainMessage(input));
}
