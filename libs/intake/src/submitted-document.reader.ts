import {
  ModelError, XmlReadError, mainPayload, parseDocument, type AppRec, type AppRecParty, type HubMessage, type Ident, type Organisation,
} from '@hub/plo';
import { IntakeErrorCodes, intakeError } from './intake.errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HER_ID = /^\d{1,9}$/;
const PERSON_ID = /^\d{11}$/;

/** True for a UUID in any version (MsgIds from partners are v1 as often as v4). */
export const isUuid = (value: string | undefined): value is string => value !== undefined && UUID.test(value);

/**
 * The header facts intake needs to record a document: who sent it to whom, which message
 * and which dialog it is. Nothing here says the document is valid: that is the validation
 * service's job.
 */
export interface SubmittedDocument {
  kind: 'MsgHead' | 'AppRec';
  /** MsgHead MsgId or AppRec Id, lower-case. */
  msgId: string;
  /** MsgInfo/Type/@V, or `APPREC`. */
  msgType: string;
  /** Schema family and version as the validator names it (`plo-1.6`, `dialog-1.0`, `apprec-1.1`), or `unknown`. */
  version: string;
  /** Every HER-id in the Sender (organisation, then its service): each must be the caller's. */
  senderHerIds: number[];
  /** The most specific sender HER-id (the service when there is one). */
  senderHerId: number;
  /** The most specific HER-id of the Receiver, then of each OtherReceiver. */
  receiverHerIds: number[];
  /** ConversationRef of a MsgHead that continues a dialog. */
  conversationRef?: { refToConversation: string; refToParent: string };
  genDate?: Date;
  forsendelsesstatus?: string;
  /** The patient's 11-digit person id (FNR/DNR/H-number), for the patient key; never logged. */
  personId?: string;
  /** AppRec OriginalMsgId/Id. */
  originalMsgId?: string;
}

/**
 * Reads the header of a MsgHead or standalone AppRec. Refuses only what cannot be recorded:
 * not well-formed (T01), a DOCTYPE, too deep nesting or too large (T99), not a MsgHead/AppRec (T10), MsgId missing or not a UUID (E10), no
 * sender or receiver HER-id.
 */
export function readSubmittedDocument(xml: Uint8Array | string, maxBytes: number): SubmittedDocument {
  let parsed;
  try {
    parsed = parseDocument(xml, { maxBytes });
  } catch (err) {
    if (err instanceof XmlReadError && err.code === 'T99') {
      // Well-formed but hostile (DOCTYPE with entities, deep nesting): refused before any expansion.
      throw intakeError(IntakeErrorCodes.XmlRefused, 'the document is refused: no DOCTYPE or entity declarations, nesting and size within the limits', {
        kodeverk8221: 'T99',
        details: { reason: err.message.slice(0, 300) },
        cause: err,
      });
    }
    if (err instanceof XmlReadError) {
      throw intakeError(IntakeErrorCodes.NotXml, 'the document is not well-formed XML', {
        kodeverk8221: 'T01',
        details: { reason: err.message.slice(0, 300) },
        cause: err,
      });
    }
    if (err instanceof ModelError) {
      const code = err.code === 'MODEL.UNSUPPORTED_ROOT' ? IntakeErrorCodes.UnsupportedDocument : IntakeErrorCodes.MissingHeaderField;
      throw intakeError(code, err.message, { kodeverk8221: code === IntakeErrorCodes.UnsupportedDocument ? 'T10' : 'T02', cause: err });
    }
    throw err;
  }
  return parsed.kind === 'MsgHead' ? fromMsgHead(parsed.message) : fromAppRec(parsed.appRec);
}

function requireMsgId(raw: string, what: string): string {
  if (!raw) throw intakeError(IntakeErrorCodes.InvalidMsgId, `${what} is missing`, { kodeverk8221: 'E10' });
  if (!isUuid(raw)) throw intakeError(IntakeErrorCodes.InvalidMsgId, `${what} is not a UUID`, { kodeverk8221: 'E10', details: { msgId: String(raw).slice(0, 64) } });
  return raw.toLowerCase();
}

function herIdsOfIdents(idents: readonly Ident[]): number[] {
  return idents.filter((i) => i.typeId.v === 'HER' && HER_ID.test(i.id)).map((i) => Number(i.id));
}

/** HER-ids of an organisation and its nested organisation (service), outermost first. */
function organisationHerIds(org: Organisation | undefined): number[] {
  if (!org) return [];
  return [...herIdsOfIdents(org.idents), ...organisationHerIds(org.organisation)];
}

function mostSpecific(ids: number[], what: string): number {
  const id = ids.at(-1);
  if (id === undefined) throw intakeError(IntakeErrorCodes.MissingHeaderField, `${what} has no HER-id`, { details: { field: what } });
  return id;
}

function parseGenDate(raw: string | undefined): Date | undefined {
  if (!raw) return undefined;
  const d = new Date(raw);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function versionOf(message: HubMessage): string {
  const p = mainPayload(message);
  if (p?.kind === 'plo') return `plo-${p.version}`;
  if (p?.kind === 'dialog') return `dialog-${p.version}`;
  return 'unknown';
}

function fromMsgHead(message: HubMessage): SubmittedDocument {
  const info = message.msgInfo;
  const msgId = requireMsgId(info.msgId, 'MsgInfo/MsgId');
  const senderHerIds = organisationHerIds(info.sender.organisation);
  const receivers = [info.receiver.organisation, ...info.otherReceivers.map((r) => r.organisation)].filter(
    (o): o is Organisation => o !== undefined,
  );
  const receiverHerIds = receivers.map((o, i) => mostSpecific(organisationHerIds(o), i === 0 ? 'Receiver' : 'OtherReceiver'));
  const payload = mainPayload(message);
  const ref = info.conversationRef;
  const personId = info.patient?.idents.map((i) => i.id.replace(/\s+/g, '')).find((id) => PERSON_ID.test(id));
  return {
    kind: 'MsgHead',
    msgId,
    msgType: info.type.v || 'UNKNOWN',
    version: versionOf(message),
    senderHerIds,
    senderHerId: mostSpecific(senderHerIds, 'Sender'),
    receiverHerIds: [...new Set(receiverHerIds)],
    ...(ref && (ref.refToConversation || ref.refToParent) ? { conversationRef: { refToConversation: ref.refToConversation, refToParent: ref.refToParent } } : {}),
    genDate: parseGenDate(info.genDate),
    ...(payload?.kind === 'plo' && payload.forsendelsesstatus ? { forsendelsesstatus: payload.forsendelsesstatus } : {}),
    ...(personId ? { personId } : {}),
  };
}

function appRecHerIds(party: AppRecParty): number[] {
  const ids = [party.inst?.id, ...(party.inst?.depts.map((d) => d.id) ?? []), party.hcProf?.id];
  return ids.filter((id): id is string => id !== undefined && HER_ID.test(id)).map(Number);
}

function fromAppRec(appRec: AppRec): SubmittedDocument {
  const msgId = requireMsgId(appRec.id, 'AppRec/Id');
  const senderHerIds = appRecHerIds(appRec.sender);
  return {
    kind: 'AppRec',
    msgId,
    msgType: 'APPREC',
    version: `apprec-${appRec.version}`,
    senderHerIds,
    senderHerId: mostSpecific(senderHerIds, 'AppRec/Sender'),
    receiverHerIds: [mostSpecific(appRecHerIds(appRec.receiver), 'AppRec/Receiver')],
    genDate: parseGenDate(appRec.genDate),
    originalMsgId: appRec.originalMsgId.id.toLowerCase(),
  };
}
