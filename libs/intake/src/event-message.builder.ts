import type { EpjMessageEvent } from '@hub/contracts';
import {
  FELLES_HJELPENUMMER_OID, HER_ID_TYPE_OID, MessageType, ModelError, Ns, PERSON_ID_TYPE_OID, PersonIdType, XmlReadError,
  buildMsgHead, classifyPersonId, createDialogmelding, createMessage, createPasientlogistikk, hendelsekode, nowDateTime, parseMsgHead,
  type Cv, type HubMessage, type Hendelsekode, type LogistikkMessageType, type Organisation, type Patient, type Payload,
} from '@hub/plo';
import { IntakeErrorCodes, intakeError } from './intake.errors.js';

/**
 * What an EPJ puts in `EpjMessageEvent.content`, by message type:
 * - `LOG_*` (Pasientlogistikk): `hendelser` (default: one hendelse with the type's Hendelsekode
 *   at GenDate), `utskrevetTil` (required for LOG_UTSKREVET, kodeverk 8408);
 * - `DIALOG_*` (Dialogmelding 1.0): `notater` or `foresporsler`;
 * - any type: `payloadXml`, the payload root element as the EPJ wrote it (e.g. an
 *   `<Innleggelsesrapport xmlns="http://www.kith.no/xmlstds/po/Innleggelsesrapport/2012-04-01">`);
 *   required for INNLEGGELSESRAPPORT, HELSEOPPL_SOKNAD, UTSKRIVNINGSRAPPORT and the other
 *   reports, whose clinical content the hub does not model;
 * - `forsendelsesstatus` N (default), M (Endring) or C (Kansellering), written into the PLO payload;
 * - `version` of a built Pasientlogistikk: `1.6` (default) or `1.5`.
 */
export interface EpjEventContent {
  forsendelsesstatus?: 'N' | 'M' | 'C';
  version?: '1.6' | '1.5';
  hendelser?: { kode?: string; beskrivelse?: string; tidspunkt?: string; anslag?: boolean }[];
  utskrevetTil?: { v: string; dn?: string };
  notater?: { temaKodet: { v: string; dn?: string; s?: string }; tema?: string; tekst?: string }[];
  foresporsler?: { typeForesp: { v: string; dn?: string; s?: string }; sporsmal?: string }[];
  payloadXml?: string;
}

/** A registry party as far as the builder needs it (a subset of PartyRecord). */
export interface AddressableParty {
  herId: number;
  name: string;
  services: readonly { herId: number; name: string }[];
}

export interface EventBuildContext {
  msgId: string;
  genDate: Date;
  /** Set when the event continues a conversation. */
  conversationRef?: { refToConversation: string; refToParent: string };
  /** The party owning a HER-id (organisation or service), or undefined when unknown. */
  partyOf: (herId: number) => AddressableParty | undefined;
}

export interface BuiltEventMessage {
  message: HubMessage;
  xml: string;
  forsendelsesstatus?: string;
  version: string;
}

const HER_ID = /^\d{1,9}$/;
const LOGISTIKK_HENDELSE: Record<LogistikkMessageType, Hendelsekode> = {
  LOG_INNLAGT: '1',
  LOG_UTSKREVET: '2',
  LOG_UTSKRIVNINGSKLAR: '3',
  LOG_AVMELDING: '4',
  LOG_DOD: '13',
};

const invalid = (message: string, field: string) => intakeError(IntakeErrorCodes.InvalidEvent, message, { details: { field } });

/**
 * Checks the shape of a JSON event (from the REST body or the EPJ event topic) and returns it
 * typed. Error messages name the field, never its value (it may be a person number).
 */
export function readEpjEvent(body: unknown): EpjMessageEvent {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('the event must be a JSON object', '$');
  const e = body as Record<string, unknown>;
  if (typeof e.type !== 'string' || !Object.hasOwn(MessageType, e.type) || e.type === 'APPREC') {
    throw invalid('type must be a kodeverk 8279 message type (AppRecs are sent as XML)', 'type');
  }
  if (typeof e.senderHerId !== 'string' || !HER_ID.test(e.senderHerId)) throw invalid('senderHerId must be a HER-id (digits, as a string)', 'senderHerId');
  if (!Array.isArray(e.receiverHerIds) || e.receiverHerIds.length === 0 || !e.receiverHerIds.every((r) => typeof r === 'string' && HER_ID.test(r))) {
    throw invalid('receiverHerIds must be a non-empty list of HER-ids (strings)', 'receiverHerIds');
  }
  if (e.idempotencyKey !== undefined && (typeof e.idempotencyKey !== 'string' || e.idempotencyKey.length === 0 || e.idempotencyKey.length > 200)) {
    throw invalid('idempotencyKey must be a string of 1-200 characters', 'idempotencyKey');
  }
  if (e.conversationId !== undefined && (typeof e.conversationId !== 'string' || e.conversationId.length === 0 || e.conversationId.length > 64)) {
    throw invalid('conversationId must be a string of 1-64 characters', 'conversationId');
  }
  const patient = e.patient as Record<string, unknown> | undefined;
  if (typeof patient !== 'object' || patient === null || typeof patient.id !== 'string' || !/^\d{11}$/.test(patient.id.replace(/\s+/g, ''))) {
    throw invalid('patient.id must be an 11-digit person id', 'patient.id');
  }
  for (const f of ['givenName', 'familyName'] as const) {
    if (patient[f] !== undefined && typeof patient[f] !== 'string') throw invalid(`patient.${f} must be a string`, `patient.${f}`);
  }
  if (typeof e.content !== 'object' || e.content === null || Array.isArray(e.content)) throw invalid('content must be an object', 'content');
  return e as unknown as EpjMessageEvent;
}

const herIdent = (herId: number) => ({ id: String(herId), typeId: { v: 'HER', dn: 'HER-id', s: HER_ID_TYPE_OID } });

/** MsgHead Organisation for a HER-id: the organisation, with the service nested when the HER-id is one. */
export function organisationFor(herId: number, party: AddressableParty | undefined): Organisation {
  // An unknown receiver is written as it was asked for; the validation service rejects it
  // (unknown receiver), so the refusal is in the trace and the sender is told.
  if (!party) return { name: `HER-id ${herId}`, idents: [herIdent(herId)], teleCom: [] };
  const org: Organisation = { name: party.name, idents: [herIdent(party.herId)], teleCom: [] };
  if (herId === party.herId) return org;
  const service = party.services.find((s) => s.herId === herId);
  return { ...org, organisation: { name: service?.name ?? `HER-id ${herId}`, idents: [herIdent(herId)], teleCom: [] } };
}

function patientOf(p: EpjMessageEvent['patient']): Patient {
  const id = p.id.replace(/\s+/g, '');
  const kind = classifyPersonId(id).type;
  const typeId: Cv =
    kind === 'FHN'
      ? { v: 'FHN', dn: 'Felles hjelpenummer', s: FELLES_HJELPENUMMER_OID }
      : kind === 'DNR' || kind === 'HNR'
        ? { v: kind, dn: PersonIdType[kind], s: PERSON_ID_TYPE_OID }
        : { v: 'FNR', dn: PersonIdType.FNR, s: PERSON_ID_TYPE_OID };
  return {
    ...(p.familyName ? { familyName: p.familyName } : {}),
    ...(p.givenName ? { givenName: p.givenName } : {}),
    idents: [{ id, typeId }],
    teleCom: [],
  };
}

/**
 * The payload root element the EPJ wrote, read with the model's own reader: wrapped into a
 * skeleton MsgHead because @hub/plo exports the document parsers, not its payload reader.
 */
export function payloadFromXml(payloadXml: string): Payload {
  const body = payloadXml.replace(/^\uFEFF?\s*<\?xml[^?]*\?>/, '');
  const skeleton =
    `<MsgHead xmlns="${Ns.MsgHead}"><MsgInfo><Type V="X"/><MIGversion>x</MIGversion><GenDate>x</GenDate><MsgId>x</MsgId>` +
    `<Sender><Organisation><OrganisationName>x</OrganisationName></Organisation></Sender>` +
    `<Receiver><Organisation><OrganisationName>x</OrganisationName></Organisation></Receiver></MsgInfo>` +
    `<Document><RefDoc><MsgType V="XML"/><Content>${body}</Content></RefDoc></Document></MsgHead>`;
  let parsed: HubMessage;
  try {
    parsed = parseMsgHead(skeleton);
  } catch (err) {
    if (err instanceof XmlReadError || err instanceof ModelError) throw invalid(`content.payloadXml is not a well-formed payload element: ${err.message.slice(0, 200)}`, 'content.payloadXml');
    throw err;
  }
  const payload = parsed.documents[0]?.refDoc.content;
  if (!payload || parsed.documents.length !== 1) throw invalid('content.payloadXml must hold exactly one payload root element', 'content.payloadXml');
  return payload;
}

function payloadOf(type: MessageType, content: EpjEventContent, genDate: string): Payload {
  const status = content.forsendelsesstatus;
  if (status !== undefined && !['N', 'M', 'C'].includes(status)) throw invalid('content.forsendelsesstatus must be N, M or C', 'content.forsendelsesstatus');
  if (typeof content.payloadXml === 'string') {
    const p = payloadFromXml(content.payloadXml);
    return p.kind === 'plo' && status ? { ...p, forsendelsesstatus: status } : p;
  }
  try {
    if (type in LOGISTIKK_HENDELSE) {
      const logType = type as LogistikkMessageType;
      if (status === 'M') throw invalid('Pasientlogistikk messages are new (N) or cancelled (C), never changed (M)', 'content.forsendelsesstatus');
      const hendelser = (content.hendelser?.length ? content.hendelser : [{}]).map((h) => ({
        hendelsekode: hendelsekode((h.kode ?? LOGISTIKK_HENDELSE[logType]) as Hendelsekode),
        tidspunkt: h.tidspunkt ?? genDate,
        ...(h.beskrivelse !== undefined ? { beskrivelse: h.beskrivelse } : {}),
        ...(h.anslag !== undefined ? { anslag: h.anslag } : {}),
      }));
      return createPasientlogistikk({
        type: logType,
        hendelser,
        ...(status ? { forsendelsesstatus: status } : {}),
        ...(content.utskrevetTil ? { utskrevetTil: { ...content.utskrevetTil, s: '2.16.578.1.12.4.1.1.8408' } } : {}),
        ...(content.version ? { version: content.version } : {}),
      });
    }
    if (type.startsWith('DIALOG_')) {
      return createDialogmelding({
        notater: (content.notater ?? []).map((n) => ({ temaKodet: n.temaKodet, ...(n.tema ? { tema: n.tema } : {}), ...(n.tekst ? { tekstNotatInnhold: n.tekst } : {}) })),
        foresporsler: (content.foresporsler ?? []).map((f) => ({ typeForesp: f.typeForesp, ...(f.sporsmal ? { sporsmal: f.sporsmal } : {}) })),
      });
    }
  } catch (err) {
    if (err instanceof ModelError) throw invalid(err.message, 'content');
    throw err;
  }
  throw invalid(`content.payloadXml is required for ${type}: the hub does not model its clinical content`, 'content.payloadXml');
}

/**
 * Builds the MsgHead document for a JSON event: Sender/Receiver/OtherReceiver from the
 * registry (organisation with the service nested), the patient, the payload, and the MsgId,
 * GenDate and ConversationRef intake assigned. Deterministic: the same event and context give
 * the same bytes, so a retried event rebuilds the document it was first accepted with.
 */
export function buildEventMessage(event: EpjMessageEvent, ctx: EventBuildContext): BuiltEventMessage {
  const type = event.type as MessageType;
  const genDate = nowDateTime(ctx.genDate);
  const senderHerId = Number(event.senderHerId);
  const [primary, ...copies] = event.receiverHerIds.map(Number);
  const payload = payloadOf(type, event.content as EpjEventContent, genDate);
  const message = createMessage({
    type,
    msgId: ctx.msgId,
    genDate,
    sender: { organisation: organisationFor(senderHerId, ctx.partyOf(senderHerId)) },
    receiver: { organisation: organisationFor(primary, ctx.partyOf(primary)) },
    otherReceivers: copies.map((herId) => ({ roleReceiver: { v: 'COP', dn: 'Kopimottaker' }, organisation: organisationFor(herId, ctx.partyOf(herId)) })),
    patient: patientOf(event.patient),
    payload,
    ...(ctx.conversationRef ? { conversationRef: ctx.conversationRef } : {}),
  });
  return {
    message,
    xml: buildMsgHead(message),
    ...(payload.kind === 'plo' ? { forsendelsesstatus: payload.forsendelsesstatus } : {}),
    version: payload.kind === 'plo' ? `plo-${payload.version}` : payload.kind === 'dialog' ? `dialog-${payload.version}` : 'unknown',
  };
}
