import { randomUUID } from 'node:crypto';
import {
  AvvikTema, AVVIK_TEMA_OID, Forsendelsesstatus, HENDELSEKODE_OID, Hendelsekode, MessageType,
} from '../codes/index.js';
import { MSGHEAD_MIG_VERSION, Ns } from './namespaces.js';
import type {
  Cv, DialogForesporsel, DialogNotat, DialogPayload, HubMessage, MsgInfo, Party, Patient, Payload, PloPayload, TidsfestetHendelse,
} from './message.model.js';
import { readPayload } from './msghead.parser.js';
import { readXml } from './xml-tree.js';
import { codedEl, el, textEl } from './xml-writer.js';
import { ModelError } from './model.error.js';

/** Pasientlogistikk sub-message per message type (DOMAIN.md §2, Pasientlogistikk-v1.6.xsd choice). */
export const LOGISTIKK_ELEMENT = {
  LOG_INNLAGT: 'MeldingInnlagtPasient',
  LOG_UTSKRIVNINGSKLAR: 'MeldingUtskrivningsklarPasient',
  LOG_AVMELDING: 'AvmeldingUtskrivningsklarPasient',
  LOG_UTSKREVET: 'MeldingOmUtskrevetPasient',
  LOG_DOD: 'OrienteringOmDod',
} as const;
export type LogistikkMessageType = keyof typeof LOGISTIKK_ELEMENT;

/** Payload root (schema) per PLO message type (DOMAIN.md §2 "Payload root", samples/SOURCES.md). */
export const PLO_SCHEMA_OF = {
  LOG_INNLAGT: 'Pasientlogistikk',
  LOG_UTSKRIVNINGSKLAR: 'Pasientlogistikk',
  LOG_AVMELDING: 'Pasientlogistikk',
  LOG_UTSKREVET: 'Pasientlogistikk',
  LOG_DOD: 'Pasientlogistikk',
  INNLEGGELSESRAPPORT: 'Innleggelsesrapport',
  HELSEOPPL_SOKNAD: 'HelseopplysningerVedSoknad',
  UTSKRIVNINGSRAPPORT: 'TverrfagligEpikrise',
  HELSEOPPLYSNINGER_LEGE: 'Konsultasjon',
  MEDISINSKE_OPPLYSNINGER: 'OverforingMedisinskeOpplysninger',
  ORIENTERING_TJENESTETILBUD: 'OrienteringOmTjenestetilbud',
} as const satisfies Partial<Record<MessageType, PloPayload['schema']>>;

/** Does the payload match the MsgInfo/Type (schema and, for Pasientlogistikk, sub-message)? */
export function payloadMatchesType(type: string, p: Payload | undefined): boolean {
  if (!p) return false;
  if (type.startsWith('DIALOG_')) return p.kind === 'dialog';
  const schema = (PLO_SCHEMA_OF as Record<string, string>)[type];
  if (!schema || p.kind !== 'plo' || p.schema !== schema) return false;
  const sub = (LOGISTIKK_ELEMENT as Record<string, string>)[type];
  return sub === undefined || p.logistikk === sub;
}

export interface PasientlogistikkInput {
  readonly type: LogistikkMessageType;
  readonly forsendelsesstatus?: Extract<Forsendelsesstatus, 'N' | 'C'>;
  readonly hendelser: readonly (TidsfestetHendelse & { readonly tidspunkt: string })[];
  /** Required for LOG_UTSKREVET (kodeverk 8408). */
  readonly utskrevetTil?: Cv;
  readonly version?: '1.6' | '1.5';
}

/** Standard Hendelsekode as a CV (kodeverk 9121). */
export const hendelsekode = (code: Hendelsekode): Cv => ({ v: code, dn: Hendelsekode[code], s: HENDELSEKODE_OID });

/**
 * Builds a Pasientlogistikk payload (LOG_*). Pasientlogistikk allows only N and C (END §2–3).
 */
export function createPasientlogistikk(input: PasientlogistikkInput): PloPayload {
  const version = input.version ?? '1.6';
  if (input.hendelser.length === 0) throw new ModelError('MODEL.INVALID_INPUT', 'Pasientlogistikk needs at least one TidsfestetHendelse');
  if (input.type === 'LOG_UTSKREVET' && !input.utskrevetTil) throw new ModelError('MODEL.INVALID_INPUT', 'LOG_UTSKREVET needs UtskrevetTil');
  const status = input.forsendelsesstatus ?? 'N';
  const sub = LOGISTIKK_ELEMENT[input.type];
  const hendelse = (h: TidsfestetHendelse & { tidspunkt: string }) =>
    el('TidsfestetHendelse', {}, codedEl('Hendelsekode', h.hendelsekode), textEl('BeskrivelseAvHendelse', h.beskrivelse),
      el('TidspunktForHendelse', { V: h.tidspunkt }), textEl('Anslag', String(h.anslag ?? false)));
  const xml = el(
    'p1:Pasientlogistikk',
    { 'xmlns:p1': Ns.plo('Pasientlogistikk', version), xmlns: Ns.plo('poKomponent', version) },
    el('InformasjonOmForsendelsen', {}, el('Forsendelsesstatus', { V: status, DN: Forsendelsesstatus[status] })),
    el(`p1:${sub}`, {}, input.type === 'LOG_UTSKREVET' ? el('UtskrevetTil', {}, codedEl('UtTil', input.utskrevetTil)) : undefined, input.hendelser.map(hendelse)),
  );
  return readPayload(readXml(xml)) as PloPayload;
}

export interface DialogmeldingInput {
  readonly notater?: readonly DialogNotat[];
  readonly foresporsler?: readonly DialogForesporsel[];
}

/** Builds a Dialogmelding v1.0 payload (Forespørsel, Svar, Tilbakemelding om feil). */
export function createDialogmelding(input: DialogmeldingInput): DialogPayload {
  const notater = input.notater ?? [];
  const foresporsler = input.foresporsler ?? [];
  if ((notater.length > 0) === (foresporsler.length > 0)) {
    throw new ModelError('MODEL.INVALID_INPUT', 'Dialogmelding holds either Notat or Foresporsel elements (schema choice)');
  }
  const xml = el(
    'Dialogmelding', { xmlns: Ns.Dialog10 },
    foresporsler.map((f) => el('Foresporsel', {}, codedEl('TypeForesp', f.typeForesp), textEl('Sporsmal', f.sporsmal))),
    notater.map((n) => el('Notat', {}, codedEl('TemaKodet', n.temaKodet), textEl('Tema', n.tema), textEl('TekstNotatInnhold', n.tekstNotatInnhold))),
  );
  return readPayload(readXml(xml)) as DialogPayload;
}

/** The DIALOG_AVVIK notat for a misdirected message (AVV §4, kodeverk 8117 code 1). */
export const feilAdressatNotat = (tekst: string): DialogNotat => ({
  temaKodet: { v: '1', dn: AvvikTema['1'], s: AVVIK_TEMA_OID },
  tekstNotatInnhold: tekst,
});

export interface NewMessageInput {
  readonly type: MessageType;
  readonly sender: Party;
  readonly receiver: Party;
  readonly patient: Patient;
  readonly payload: Payload;
  readonly otherReceivers?: MsgInfo['otherReceivers'];
  /** Default: now (local time without zone, as in the samples). */
  readonly genDate?: string;
  /** Default: a new UUID. */
  readonly msgId?: string;
  readonly conversationRef?: MsgInfo['conversationRef'];
}

/** `YYYY-MM-DDTHH:mm:ss` (xs:dateTime without zone, like the official samples). */
export const nowDateTime = (d: Date = new Date()): string => d.toISOString().slice(0, 19);

/** Creates a message: new MsgId (UUID) per message (END §4.2), RefDoc/MsgType XML (PLO §4.1). */
export function createMessage(input: NewMessageInput): HubMessage {
  const genDate = input.genDate ?? nowDateTime();
  return {
    msgInfo: {
      type: { v: input.type, dn: MessageType[input.type] },
      migVersion: MSGHEAD_MIG_VERSION,
      genDate,
      msgId: input.msgId ?? randomUUID(),
      ...(input.conversationRef ? { conversationRef: input.conversationRef } : {}),
      sender: input.sender,
      receiver: input.receiver,
      otherReceivers: input.otherReceivers ?? [],
      patient: input.patient,
    },
    documents: [{ refDoc: { issueDate: genDate, msgType: { v: 'XML', dn: 'XML-instans' }, content: input.payload } }],
  };
}

/**
 * A follow-up in the same dialog: new MsgId, ConversationRef to the dialog start and the
 * previous message (END §4.2, KOB §3.3). With `forsendelsesstatus` the PLO payload becomes an
 * Endring (M, full content) or Kansellering (C).
 */
export function createFollowUp(
  previous: HubMessage,
  changes: { forsendelsesstatus?: Forsendelsesstatus; msgId?: string; genDate?: string } = {},
): HubMessage {
  const genDate = changes.genDate ?? nowDateTime();
  const refToConversation = previous.msgInfo.conversationRef?.refToConversation ?? previous.msgInfo.msgId;
  return {
    msgInfo: {
      ...previous.msgInfo,
      genDate,
      msgId: changes.msgId ?? randomUUID(),
      conversationRef: { refToParent: previous.msgInfo.msgId, refToConversation },
    },
    documents: previous.documents.map((d, i) => {
      const c = d.refDoc.content;
      const content = i === 0 && c?.kind === 'plo' && changes.forsendelsesstatus ? { ...c, forsendelsesstatus: changes.forsendelsesstatus } : c;
      return { ...d, refDoc: { ...d.refDoc, issueDate: genDate, ...(content ? { content } : {}) } };
    }),
  };
}
