import type { InboxDelivery } from '@hub/contracts';
import { HubError, maskPersonIds } from '@hub/errors';
import { getLogger } from '@hub/observability';
import {
  appRecFor, appRecVersion, buildAppRec, initialReceiverState, parseDocument, receiveMessage,
  type AppRec, type AppRecErrorDetail, type HubMessage, type Ident, type Organisation, type ReceiverState, type ValidateFn,
} from '@hub/plo';
import type { AddressableParty } from '../documents/party-address.js';
import { deterministicUuid } from '../ids/deterministic-id.js';
import type { MessageSubmitter } from '../intake/intake.client.js';
import type { EpjSystem, Journal } from '../journal/journal.store.js';
import type { SentOnce } from '../journal/sent-once.store.js';
import type { PatientRegister } from '../patients/patient.register.js';
import type { VendorImport } from '../vendor-import/vendor-import.port.js';
import type { EnvelopeOpener } from './envelope-opener.port.js';

export const InboxErrorCodes = {
  NotOurInbox: 'EPJ.NOT_OUR_INBOX',
  EnvelopeUnreadable: 'EPJ.ENVELOPE_UNREADABLE',
  DocumentUnreadable: 'EPJ.DOCUMENT_UNREADABLE',
} as const;

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
  readonly kind: 'filed' | 'already-filed' | 'not-filed' | 'not-addressed-to-us' | 'apprec-received';
  readonly msgId?: string;
  readonly msgType?: string;
  readonly apprecs: readonly AppRecSent[];
  readonly warnings: readonly string[];
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
  readonly rejectUnknownPatient?: boolean;
  readonly softwareName?: string;
  readonly hooks?: InboxHooks;
}

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
    const opened = await this.opts.opener.open(delivery);
    const document = opened.ok ? opened.document : opened.unverifiedDocument;
    if (document === undefined) {
      // Not even decryptable: the sender cannot be read from the document, so no AppRec (ARV §5.3).
      throw new HubError(InboxErrorCodes.EnvelopeUnreadable, `envelope cannot be opened: ${opened.ok ? '' : `${opened.errorCode} ${opened.reason}`}`, {
        metadata: { kodeverk8221: opened.ok ? undefined : opened.code8221 },
      });
    }

    let parsed: ReturnType<typeof parseDocument>;
    try {
      parsed = parseDocument(document);
    } catch (err) {
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
    if (!opened.ok) {
      decisions = this.signatureRejections(party, message, { code: opened.code8221, text: shortReason(opened.reason) }, newId);
      warnings = [`${opened.errorCode}: ${opened.reason}`];
    } else {
      const r = receiveMessage(document, delivery.eventId, { ...initialReceiverState(), chains: this.chains.get(party.herId) ?? new Map() }, {
        knownServices: new Set([party.herId, ...party.services.map((s) => s.herId)].map(String)),
        knownPatients: this.opts.patients?.knownPatients(),
        rejectUnknownPatient: this.opts.rejectUnknownPatient,
        softwareName: this.opts.softwareName ?? `samhandling-hub ${this.opts.system} simulator`,
        newId,
      }, this.opts.validate);
      decisions = r.outcome.apprecs.map((a) => ({ ...a }));
      warnings = r.outcome.warnings;
      this.chains.set(party.herId, r.state.chains);
    }

    if (decisions.length === 0) {
      this.log.warn('no AppRec: not addressed to us or sender unknown', { ...ids, msgType, warnings });
      return { kind: 'not-addressed-to-us', msgId, msgType, apprecs: [], warnings };
    }

    // A positive AppRec means "received and readable in the EPJ": file before acknowledging.
    const positive = decisions.some((d) => d.status === '1');
    let filing: { filed: boolean } | undefined;
    if (positive) {
      filing = await this.opts.importer.import({
        partyHerId: party.herId, msgId, msgType, xml: document, patientKey: this.patientKeyOf(message),
      });
    }

    const apprecs: AppRecSent[] = [];
    for (const d of decisions) apprecs.push(await this.sendAppRec(party, d, ids));

    if (positive && filing) {
      await this.opts.hooks?.afterFiled?.({ party, message, delivery, firstFiling: filing.filed });
    }
    const kind = !positive ? 'not-filed' : filing?.filed ? 'filed' : 'already-filed';
    this.log.info('inbox message processed', { ...ids, msgType, kind, apprecs: apprecs.map((a) => ({ id: a.id, status: a.status, errors: a.errors, sentNow: a.sentNow })) });
    return { kind, msgId, msgType, apprecs, warnings };
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

  private async sendAppRec(party: AddressableParty, d: { receiverHerId: string; status: '1' | '2'; errors: readonly string[]; appRec: AppRec; xml: string }, ids: Record<string, unknown>): Promise<AppRecSent> {
    const stage = `${this.opts.system}.apprec-sent`;
    const id = d.appRec.id;
    if (await this.opts.sentOnce.wasSent(stage, id)) {
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

/** `OT` must be short and shown to a user; never a person number. */
function shortReason(reason: string): string {
  return maskPersonIds(reason).slice(0, 200);
}
