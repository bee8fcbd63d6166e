import type { InboxDelivery } from '@hub/contracts';
import { HubError, maskPersonIds } from '@hub/errors';
import { getLogger } from '@hub/observability';
import {
  MessageType, appRecFor, appRecVersion, buildAppRec, initialReceiverState, parseDocument, receiveMessage,
  type AppRec, type AppRecErrorDetail, type HubMessage, type Ident, type Organisation, type ReceiverState, type ValidateFn,
} from '@hub/plo';
import { organisationFor, type AddressableParty } from '../documents/party-address.js';
import { deterministicUuid } from '../ids/deterministic-id.js';
import type { MessageSubmitter } from '../intake/intake.client.js';
import type { EpjSystem, Journal } from '../journal/journal.store.js';
import type { HoldRecord, MessageHoldStore } from '../journal/message-hold.store.js';
import type { SentOnce } from '../journal/sent-once.store.js';
import type { PatientRegister } from '../patients/patient.register.js';
import type { VendorImport } from '../vendor-import/vendor-import.port.js';
import type { EnvelopeOpener, OpenedEnvelope } from './envelope-opener.port.js';
import { buildFeilAdressatAvvikXml, avvikMsgIdFor } from './misdirected-message.avvik.js';

export const InboxErrorCodes = {
  NotOurInbox: 'EPJ.NOT_OUR_INBOX',
  EnvelopeUnreadable: 'EPJ.ENVELOPE_UNREADABLE',
  DocumentUnreadable: 'EPJ.DOCUMENT_UNREADABLE',
} as const;

/** Reason codes of held and quarantined messages (HoldRecord.reason.code). */
export const HoldReasons = {
  /** Addressed to another organisation: quarantined, DIALOG_AVVIK "Feil adressat" to the sender. */
  Misdirected: 'EPJ.MISDIRECTED',
  /** Addressed to another organisation, but the signature did not verify: quarantined, nobody told automatically. */
  MisdirectedUnverified: 'EPJ.MISDIRECTED_UNVERIFIED',
  /** The patient is not in the receiver's register: held for manual linking (warn-and-hold). */
  UnknownPatient: 'EPJ.UNKNOWN_PATIENT',
} as const;

/** What a receiver does with a patient it does not know (docs/simulators.md). */
export type UnknownPatientPolicy = 'warn-and-hold' | 'reject';

/** One AppRec the EPJ decided on (and sent, or had sent before). */
export interface AppRecSent {
  readonly id: string;
  readonly receiverHerId: string;
  readonly status: '1' | '2';
  readonly errors: readonly string[];
  /** False when an earlier delivery already sent it. */
  readonly sentNow: boolean;
}

export interface InboxOutcome {
  /**
   * - `held`: positive AppRec, waiting for manual linking (unknown patient), not filed;
   * - `quarantined`: addressed to another organisation, no AppRec, DIALOG_AVVIK to the sender;
   * - `ignored`: the party is configured silent (fault injection): nothing filed or answered.
   */
  readonly kind: 'filed' | 'already-filed' | 'not-filed' | 'not-addressed-to-us' | 'apprec-received' | 'held' | 'quarantined' | 'ignored';
  readonly msgId?: string;
  readonly msgType?: string;
  readonly apprecs: readonly AppRecSent[];
  readonly warnings: readonly string[];
  /** The DIALOG_AVVIK sent back for a misdirected message. */
  readonly avvik?: { readonly msgId: string; readonly sentNow: boolean };
}

/** What a follow-up hook gets after a message was filed (first time or again on redelivery). */
export interface FiledMessage {
  readonly party: AddressableParty;
  readonly message: HubMessage;
  readonly delivery: InboxDelivery;
  /** True the first time; false on a redelivery (hooks must be idempotent anyway). */
  readonly firstFiling: boolean;
}

export interface InboxHooks {
  /** After a message was filed and its AppRec sent (e.g. answer LOG_INNLAGT, track a stay). */
  afterFiled?(filed: FiledMessage): Promise<void>;
  /** An AppRec arrived for a message this EPJ sent (recorded once). */
  appRecReceived?(appRec: AppRec, party: AddressableParty): Promise<void> | void;
}

export interface InboxProcessorOptions {
  readonly system: EpjSystem;
  readonly opener: EnvelopeOpener;
  readonly validate: ValidateFn;
  readonly importer: VendorImport;
  readonly journal: Journal;
  readonly submitter: MessageSubmitter;
  readonly sentOnce: SentOnce;
  readonly patients?: PatientRegister;
  /** Keyed hash for `journal_entry.patient_key`; omitted = null. */
  readonly patientKeyOf?: (personId: string) => string | null;
  /** Unknown patient policy per party (organisation HER-id); default `warn-and-hold`. */
  readonly unknownPatientPolicy?: (partyHerId: number) => UnknownPatientPolicy;
  /** Held (unknown patient) and quarantined (misdirected) messages; required for those duties. */
  readonly holds?: MessageHoldStore;
  /** Fault injection: parties whose EPJ never answers (their deliveries are consumed and dropped). */
  readonly silentParties?: ReadonlySet<number>;
  readonly now?: () => Date;
  readonly softwareName?: string;
  readonly hooks?: InboxHooks;
  /**
   * The registry party owning a HER-id, to address the negative AppRec for an envelope that cannot
   * be decrypted (only the hub's routing facts name its sender). Without it that AppRec names the
   * sender by its HER-id alone.
   */
  readonly partyOf?: (herId: number) => Promise<AddressableParty | null | undefined>;
}

const NOT_ADDRESSED_TO_US = 'NO_APPREC.NOT_ADDRESSED_TO_US';
const UNKNOWN_PATIENT = 'PATIENT.UNKNOWN';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const herIdsOf = (o: Organisation | undefined): string[] =>
  o ? [...o.idents.filter((i: Ident) => i.typeId.v?.trim() === 'HER').map((i) => i.id.trim()), ...herIdsOf(o.organisation)] : [];

/**
 * One simulated EPJ's inbox: opens each envelope (decrypt + verify), applies the PLO receiver
 * rules (`@hub/plo` receiver), files the message through the vendor's import interface and sends
 * the AppRec(s) back through the hub as the receiving party.
 *
 * Effectively once, across redeliveries and restarts:
 * - filed once: the vendor import files into `journal_entry`, unique per (party, msgId);
 * - acknowledged once: an AppRec's id is derived from (party, MsgId, receiver index), it is sent
 *   with `Idempotency-Key` = that id and remembered in `processed_event` after intake answered,
 *   so a redelivered event re-derives the same AppRec and does not send it again (a crash between
 *   send and remember re-sends the same key, which intake answers with the first result).
 * - a signature or certificate error (S01/S02) is never filed; the sender gets a negative AppRec.
 */
export class InboxProcessor {
  private readonly log = getLogger(InboxProcessor.name);
  /** Chain state per party, for the receiver rules' (warning-only) chain checks. */
  private readonly chains = new Map<number, ReceiverState['chains']>();

  constructor(private readonly opts: InboxProcessorOptions) {}

  async process(party: AddressableParty, delivery: InboxDelivery): Promise<InboxOutcome> {
    const ids = { msgId: delivery.msgId, conversationId: delivery.conversationId, party: party.herId, eventId: delivery.eventId };
    if (String(delivery.receiverHerId) !== String(party.herId)) {
      throw new HubError(InboxErrorCodes.NotOurInbox, `delivery for ${delivery.receiverHerId} in the inbox of ${party.herId}`);
    }
    if (this.opts.silentParties?.has(party.herId)) {
      // Simulates an EPJ that never answers: the sender's receipt stays open until the deadlines.
      this.log.warn('silent party: delivery dropped without filing or AppRec (fault injection)', { ...ids, msgType: delivery.msgType });
      return { kind: 'ignored', msgId: delivery.msgId, msgType: delivery.msgType, apprecs: [], warnings: ['EPJ.SILENT_PARTY: configured never to answer'] };
    }
    const opened = await this.opts.opener.open(delivery);
    const document = opened.ok ? opened.document : opened.unverifiedDocument;
    // A refused envelope whose document cannot be read either: only the hub's routing facts name
    // the message and its sender, and they are enough to tell the sender (see rejectUnreadableEnvelope).
    const routable = UUID.test(delivery.msgId) && HER_ID.test(String(delivery.senderHerId));
    if (document === undefined && !opened.ok && routable) return this.rejectUnreadableEnvelope(party, delivery, opened, ids);
    if (document === undefined) {
      // Not decryptable and not even the routing facts name a message and a sender: no AppRec (ARV §5.3).
      throw new HubError(InboxErrorCodes.EnvelopeUnreadable, `envelope cannot be opened: ${opened.ok ? '' : `${opened.errorCode} ${opened.reason}`}`, {
        metadata: { kodeverk8221: opened.ok ? undefined : opened.code8221 },
      });
    }

    let parsed: ReturnType<typeof parseDocument>;
    try {
      parsed = parseDocument(document);
    } catch (err) {
      // Tampered on the way (the signature failed) into something that is not even XML: S01 all the same.
      if (!opened.ok && routable) return this.rejectUnreadableEnvelope(party, delivery, opened, ids);
      throw new HubError(InboxErrorCodes.DocumentUnreadable, `document is not a readable MsgHead or AppRec: ${maskPersonIds((err as Error).message)}`);
    }

    if (parsed.kind === 'AppRec') {
      if (!opened.ok) {
        // An AppRec is never answered; an untrusted one is not recorded either.
        this.log.warn('untrusted AppRec ignored', { ...ids, code: opened.errorCode });
        return { kind: 'not-filed', msgId: parsed.appRec.id, msgType: 'APPREC', apprecs: [], warnings: [`${opened.code8221}: ${opened.reason}`] };
      }
      return this.recordAppRec(party, parsed.appRec);
    }

    const message = parsed.message;
    const msgId = message.msgInfo.msgId;
    const msgType = message.msgInfo.type.v?.trim() ?? '';
    let n = 0;
    const newId = () => deterministicUuid('apprec', String(party.herId), msgId, String(n++));

    let decisions: { receiverHerId: string; status: '1' | '2'; errors: readonly string[]; appRec: AppRec; xml: string }[];
    let warnings: readonly string[];
    const policy = this.opts.unknownPatientPolicy?.(party.herId) ?? 'warn-and-hold';
    if (!opened.ok) {
      decisions = this.signatureRejections(party, message, { code: opened.code8221, text: shortReason(opened.reason) }, newId);
      warnings = [`${opened.errorCode}: ${opened.reason}`];
    } else {
      const r = receiveMessage(document, delivery.eventId, { ...initialReceiverState(), chains: this.chains.get(party.herId) ?? new Map() }, {
        knownServices: new Set([party.herId, ...party.services.map((s) => s.herId)].map(String)),
        knownPatients: this.opts.patients?.knownPatients(party.herId),
        rejectUnknownPatient: policy === 'reject',
        softwareName: this.opts.softwareName ?? `samhandling-hub ${this.opts.system} simulator`,
        newId,
      }, this.opts.validate);
      decisions = r.outcome.apprecs.map((a) => ({ ...a }));
      warnings = r.outcome.warnings;
      this.chains.set(party.herId, r.state.chains);
    }

    if (decisions.length === 0) {
      if (warnings.some((w) => w.startsWith(NOT_ADDRESSED_TO_US)) || (!opened.ok && !addressedToUs(party, message))) {
        return this.quarantineMisdirected(party, message, document, opened.ok, warnings, ids);
      }
      this.log.warn('no AppRec: sender unknown', { ...ids, msgType, warnings });
      return { kind: 'not-addressed-to-us', msgId, msgType, apprecs: [], warnings };
    }

    // A positive AppRec means "received and readable in the EPJ": file (or hold) before acknowledging.
    const positive = decisions.some((d) => d.status === '1');
    if (positive && warnings.some((w) => w.startsWith(UNKNOWN_PATIENT))) {
      return this.holdForLinking(party, message, document, decisions, warnings, ids);
    }
    let filing: { filed: boolean } | undefined;
    if (positive) {
      filing = await this.opts.importer.import({
        partyHerId: party.herId, msgId, msgType, xml: document, patientKey: this.patientKeyOf(message),
      });
    }

    // Filed now for the first time: no earlier delivery got as far as acknowledging this message
    // (the AppRec goes after the filing), so the sent-once check is skipped, one statement per
    // message. (An earlier delivery held for linking, or answered negatively, did send one: its
    // repeat reaches intake with the same Idempotency-Key and MsgId, and intake answers it with
    // the first result; nothing goes out twice.)
    const firstFiling = filing?.filed === true;
    const apprecs: AppRecSent[] = [];
    for (const d of decisions) apprecs.push(await this.sendAppRec(party, d, ids, { maybeSentBefore: !firstFiling }));

    if (positive && filing) {
      await this.opts.hooks?.afterFiled?.({ party, message, delivery, firstFiling: filing.filed });
    }
    const kind = !positive ? 'not-filed' : filing?.filed ? 'filed' : 'already-filed';
    this.log.info('inbox message processed', { ...ids, msgType, kind, apprecs: apprecs.map((a) => ({ id: a.id, status: a.status, errors: a.errors, sentNow: a.sentNow })) });
    return { kind, msgId, msgType, apprecs, warnings };
  }

  /**
   * A message for another organisation (ARV §5.3, DOMAIN.md §7): never filed, no AppRec; kept in
   * quarantine with the reason, and — when its signature verified, so the sender is known — a
   * DIALOG_AVVIK "Feil adressat" goes back to the sender through the hub, once (MsgId and
   * Idempotency-Key derived from the received MsgId; remembered as `<system>.avvik-sent`).
   */
  private async quarantineMisdirected(
    party: AddressableParty, message: HubMessage, document: string, verified: boolean, warnings: readonly string[], ids: Record<string, unknown>,
  ): Promise<InboxOutcome> {
    const info = message.msgInfo;
    const msgType = info.type.v?.trim() ?? '';
    const addressedTo = herIdsOf(info.receiver.organisation);
    const canTell = verified && info.patient !== undefined && herIdsOf(info.sender.organisation).length > 0;
    const avvikMsgId = canTell ? avvikMsgIdFor(party.herId, info.msgId) : undefined;
    const record: HoldRecord = {
      kind: 'quarantine', system: this.opts.system, partyHerId: party.herId, msgId: info.msgId, msgType,
      senderHerId: herIdsOf(info.sender.organisation).at(-1) ?? '',
      reason: verified
        ? { code: HoldReasons.Misdirected, text: `addressed to HER-id ${addressedTo.join('/') || '(none)'}, not to ${party.herId}` }
        : { code: HoldReasons.MisdirectedUnverified, text: `addressed to HER-id ${addressedTo.join('/') || '(none)'}; signature not verified, sender not told` },
      warnings: [...warnings], receivedAt: (this.opts.now?.() ?? new Date()).toISOString(), addressedTo,
      ...(avvikMsgId ? { avvikMsgId } : {}),
    };
    if (!this.opts.holds) throw new HubError('EPJ.NO_HOLD_STORE', 'a misdirected message needs a quarantine store', { retriable: false });
    const first = await this.opts.holds.put(record, document);
    let avvik: InboxOutcome['avvik'];
    if (avvikMsgId) {
      const stage = `${this.opts.system}.avvik-sent`;
      if (await this.opts.sentOnce.wasSent(stage, avvikMsgId)) {
        avvik = { msgId: avvikMsgId, sentNow: false };
      } else {
        const xml = buildFeilAdressatAvvikXml(message, party);
        const receipt = await this.opts.submitter.submitXml(party.herId, xml, avvikMsgId);
        await this.opts.sentOnce.markSent(stage, avvikMsgId);
        avvik = { msgId: avvikMsgId, sentNow: true };
        this.log.info('DIALOG_AVVIK "Feil adressat" sent', { ...ids, avvikMsgId, avvikConversationId: receipt.conversationId, to: record.senderHerId });
      }
    }
    this.log.warn('misdirected message quarantined: no AppRec, not filed', { ...ids, msgType, addressedTo, firstTime: first, reason: record.reason.code, avvikMsgId });
    return { kind: 'quarantined', msgId: info.msgId, msgType, apprecs: [], warnings, ...(avvik ? { avvik } : {}) };
  }

  /**
   * An unknown patient under `warn-and-hold`: the message is received and readable in the EPJ
   * (its manual-linking queue, AR §3.3.4), so the AppRec is positive; it is held — not filed, no
   * follow-up (no INNLEGGELSESRAPPORT for a patient nobody has linked) — with a warning.
   */
  private async holdForLinking(
    party: AddressableParty, message: HubMessage, document: string,
    decisions: readonly { receiverHerId: string; status: '1' | '2'; errors: readonly string[]; appRec: AppRec; xml: string }[],
    warnings: readonly string[], ids: Record<string, unknown>,
  ): Promise<InboxOutcome> {
    const info = message.msgInfo;
    const msgType = info.type.v?.trim() ?? '';
    if (!this.opts.holds) throw new HubError('EPJ.NO_HOLD_STORE', 'an unknown patient needs a hold store for manual linking', { retriable: false });
    const first = await this.opts.holds.put({
      kind: 'held', system: this.opts.system, partyHerId: party.herId, msgId: info.msgId, msgType,
      senderHerId: herIdsOf(info.sender.organisation).at(-1) ?? '',
      reason: { code: HoldReasons.UnknownPatient, text: 'patient not found in the patient register: link manually, then file' },
      warnings: [...warnings], receivedAt: (this.opts.now?.() ?? new Date()).toISOString(),
    }, document);
    const apprecs: AppRecSent[] = [];
    for (const d of decisions) apprecs.push(await this.sendAppRec(party, d, ids));
    this.log.warn('unknown patient: message held for manual linking', { ...ids, msgType, firstTime: first, apprecs: apprecs.map((a) => ({ id: a.id, status: a.status })) });
    return { kind: 'held', msgId: info.msgId, msgType, apprecs, warnings };
  }

  /**
   * A refused envelope whose document cannot be read: one this party cannot decrypt (encrypted for
   * another party, or corrupt: S99 "other signature/certificate error"), or one whose signature
   * failed because it was altered into something unparseable (S01). Nothing can be filed, but the
   * hub's routing facts name the message (MsgId, type) and its sender, so the sender is told at once
   * with a negative AppRec (the opener's code, its reason in OT) instead of waiting 96 hours for a
   * receipt that never comes. Its id is derived from (party, MsgId), so a redelivery sends nothing
   * new. OriginalMsgId/IssueDate (the original GenDate, inside the unreadable document) is the
   * delivery time, the closest the envelope knows.
   */
  private async rejectUnreadableEnvelope(
    party: AddressableParty, delivery: InboxDelivery, opened: Extract<OpenedEnvelope, { ok: false }>, ids: Record<string, unknown>,
  ): Promise<InboxOutcome> {
    const senderHerId = Number(delivery.senderHerId);
    const senderParty = await this.opts.partyOf?.(senderHerId);
    const senderOrganisation: Organisation = senderParty
      ? organisationFor(senderParty, senderParty.services.some((s) => s.herId === senderHerId) ? senderHerId : undefined)
      : organisationFor({ herId: senderHerId, name: `HER-id ${senderHerId}`, services: [] });
    const msgType = delivery.msgType.trim();
    const original: HubMessage['msgInfo'] = {
      type: { v: msgType, dn: (MessageType as Record<string, string>)[msgType] ?? msgType },
      migVersion: 'v1.2 2006-05-24',
      genDate: xsDateTime(delivery.occurredAt),
      msgId: delivery.msgId,
      sender: { organisation: senderOrganisation },
      receiver: { organisation: organisationFor(party) },
      otherReceivers: [],
    };
    const error: AppRecErrorDetail = { code: opened.code8221, text: shortReason(`${opened.errorCode}: ${opened.reason}`) };
    const appRec = appRecFor({
      original, receiver: organisationFor(party), role: 'PRIM', errors: [error], version: '1.1',
      id: deterministicUuid('apprec-unreadable-envelope', String(party.herId), delivery.msgId),
      softwareName: this.opts.softwareName ?? `samhandling-hub ${this.opts.system} simulator`,
    });
    const sent = await this.sendAppRec(party, { receiverHerId: String(party.herId), status: '2', errors: [error.code], appRec, xml: buildAppRec(appRec) }, ids);
    this.log.warn('envelope cannot be read: negative AppRec to the sender, nothing filed', { ...ids, msgType, code: opened.errorCode, appRecId: sent.id, sentNow: sent.sentNow });
    return { kind: 'not-filed', msgId: delivery.msgId, msgType, apprecs: [sent], warnings: [`${opened.errorCode}: ${opened.reason}`] };
  }

  private async recordAppRec(party: AddressableParty, appRec: AppRec): Promise<InboxOutcome> {
    let first = true;
    if (UUID.test(appRec.id)) {
      first = (await this.opts.journal.file({ system: this.opts.system, partyHerId: party.herId, msgId: appRec.id, msgType: 'APPREC', patientKey: null })).filed;
    }
    if (first) await this.opts.hooks?.appRecReceived?.(appRec, party);
    this.log.info('AppRec received', { msgId: appRec.id, originalMsgId: appRec.originalMsgId.id, status: appRec.status.v, errors: appRec.errors.map((e) => e.v), first });
    return { kind: first ? 'apprec-received' : 'already-filed', msgId: appRec.id, msgType: 'APPREC', apprecs: [], warnings: [] };
  }

  /**
   * Negative AppRecs for a message whose signature or certificate failed: one per recognised
   * receiver (primary and our copy receivers), status 2 with the S-code (AR §3.2 "S01–S03 for
   * signature problems"). Nothing is filed.
   */
  private signatureRejections(party: AddressableParty, message: HubMessage, error: AppRecErrorDetail, newId: () => string) {
    const ours = new Set([party.herId, ...party.services.map((s) => s.herId)].map(String));
    const info = message.msgInfo;
    const receivers = [
      { organisation: info.receiver.organisation, role: 'PRIM' as const },
      ...info.otherReceivers.flatMap((r) => (r.organisation ? [{ organisation: r.organisation, role: 'COP' as const }] : [])),
    ].filter((r) => herIdsOf(r.organisation).some((h) => ours.has(h)));
    const version = appRecVersion(message);
    return receivers.map((r) => {
      const appRec = appRecFor({ original: info, receiver: r.organisation, role: r.role, errors: [error], version, id: newId() });
      return { receiverHerId: herIdsOf(r.organisation).at(-1) ?? '', status: '2' as const, errors: [error.code], appRec, xml: buildAppRec(appRec) };
    });
  }

  private async sendAppRec(
    party: AddressableParty,
    d: { receiverHerId: string; status: '1' | '2'; errors: readonly string[]; appRec: AppRec; xml: string },
    ids: Record<string, unknown>,
    opts: { maybeSentBefore: boolean } = { maybeSentBefore: true },
  ): Promise<AppRecSent> {
    const stage = `${this.opts.system}.apprec-sent`;
    const id = d.appRec.id;
    if (opts.maybeSentBefore && (await this.opts.sentOnce.wasSent(stage, id))) {
      return { id, receiverHerId: d.receiverHerId, status: d.status, errors: d.errors, sentNow: false };
    }
    const receipt = await this.opts.submitter.submitXml(party.herId, d.xml, id);
    await this.opts.sentOnce.markSent(stage, id);
    this.log.info('AppRec sent', { ...ids, appRecId: id, status: d.status, errors: d.errors, replayed: receipt.replayed ?? false });
    return { id, receiverHerId: d.receiverHerId, status: d.status, errors: d.errors, sentNow: true };
  }

  private patientKeyOf(message: HubMessage): string | null {
    const pid = message.msgInfo.patient?.idents.find((i) => /^\d{11}$/.test(i.id.trim()))?.id.trim();
    return pid && this.opts.patientKeyOf ? this.opts.patientKeyOf(pid) : null;
  }
}

/** Is any receiver (primary or copy) of the document one of the party's HER-ids? */
function addressedToUs(party: AddressableParty, message: HubMessage): boolean {
  const ours = new Set([party.herId, ...party.services.map((s) => s.herId)].map(String));
  const info = message.msgInfo;
  return [info.receiver.organisation, ...info.otherReceivers.map((r) => r.organisation)].some((o) => herIdsOf(o).some((h) => ours.has(h)));
}

const HER_ID = /^\d{1,9}$/;

/** An ISO instant as xs:dateTime without fraction (what the AppRec schema's IssueDate takes). */
function xsDateTime(iso: string): string {
  const d = new Date(iso);
  return (Number.isNaN(d.getTime()) ? new Date() : d).toISOString().slice(0, 19);
}

/** `OT` must be short and shown to a user; never a person number. */
function shortReason(reason: string): string {
  return maskPersonIds(reason).slice(0, 200);
}
