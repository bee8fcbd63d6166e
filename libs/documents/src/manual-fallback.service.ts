import { AccessLog, assertCanRead } from '@hub/api-auth';
import { HubError } from '@hub/errors';
import type { LedgerClient } from '@hub/ledger';
import { getLogger } from '@hub/observability';
import type { PartyRegistry, Principal } from '@hub/registry';
import { DocumentErrorCodes, documentError } from './document.errors.js';
import type { DocumentVault } from './document.vault.js';
import { DEFAULT_HELD_AFTER_MS, decideFallback } from './fallback-eligibility.policy.js';
import { formatOsloTime, renderManualFallbackPdf, type ReceiverStatus } from './manual-fallback.pdf.js';

/** The `access_log.action` of a PDF fetch. */
export const DOCUMENT_PDF_ACTION = 'document.pdf';

export interface ManualFallbackOptions {
  db: LedgerClient;
  vault: DocumentVault;
  registry: PartyRegistry;
  /** A held delivery older than this makes the message printable (MANUAL_FALLBACK_HELD_AFTER_MS). */
  heldAfterMs?: number;
  now?: () => Date;
  /** PDF stream compression (tests turn it off to read the text). */
  compress?: boolean;
}

/** A rendered printout and its file name. */
export interface FallbackPdf {
  pdf: Buffer;
  filename: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Manual fallback (issue 5): the printable document of a message the hub could not get into
 * the receiver's EPJ. Every call, granted or refused, is written to the access log
 * (`document.pdf`, outcome = HTTP status and code) before the answer goes out; a grant that
 * cannot be logged is not served.
 */
export class ManualFallback {
  private readonly log = getLogger(ManualFallback.name);
  private readonly accessLog: AccessLog;
  private readonly heldAfterMs: number;

  constructor(private readonly opts: ManualFallbackOptions) {
    this.accessLog = new AccessLog(opts.db);
    this.heldAfterMs = opts.heldAfterMs ?? DEFAULT_HELD_AFTER_MS;
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** The PDF of `msgId` for `principal`, or a HubError with a stable code (logged in the access log either way). */
  async pdf(principal: Principal, msgId: string, statusOf: (err: HubError) => number): Promise<FallbackPdf> {
    let result: FallbackPdf;
    try {
      result = await this.render(principal, msgId);
    } catch (err) {
      const error = HubError.from(err);
      await this.audit(principal, msgId, `${statusOf(error)} ${error.code}`).catch((logErr) =>
        this.log.error('could not write the access log for a refused document fetch', { msgId: UUID.test(msgId) ? msgId : undefined, err: String(logErr) }),
      );
      throw err;
    }
    try {
      await this.audit(principal, msgId, '200');
    } catch (err) {
      throw documentError(DocumentErrorCodes.Unavailable, 'the access log is unavailable: the document is not served unlogged; try again', {
        retriable: true,
        cause: err,
        details: { msgId },
      });
    }
    this.log.info('manual fallback document served', { msgId, role: principal.role, credentialId: principal.credentialId });
    return result;
  }

  private audit(principal: Principal, msgId: string, outcome: string): Promise<void> {
    return this.accessLog.record(principal, DOCUMENT_PDF_ACTION, outcome.slice(0, 32), UUID.test(msgId) ? msgId.toLowerCase() : null);
  }

  private async render(principal: Principal, rawMsgId: string): Promise<FallbackPdf> {
    if (!UUID.test(rawMsgId)) throw documentError(DocumentErrorCodes.InvalidMsgId, 'msgId is not a UUID', { details: { kodeverk8221: 'E10' } });
    const msgId = rawMsgId.toLowerCase();
    const db = this.opts.db;
    const message = await this.query(() => db.message.findUnique({ where: { msgId } }));
    if (!message) throw documentError(DocumentErrorCodes.UnknownMessage, 'no message with this msgId', { details: { msgId } });
    assertCanRead(principal, message);

    const [expectations, held, events] = await this.query(() =>
      Promise.all([
        db.receiptExpectation.findMany({ where: { msgId }, orderBy: { receiverHerId: 'asc' } }),
        db.heldDelivery.findMany({ where: { msgId }, orderBy: { seq: 'asc' } }),
        db.messageEvent.findMany({ where: { msgId, outcome: 'FAILED' }, orderBy: { id: 'asc' } }),
      ]),
    );
    const now = this.now();
    const decision = decideFallback({ status: message.status, expectations, held }, now, this.heldAfterMs);
    if (!decision.eligible) {
      throw documentError(DocumentErrorCodes.NotEligible, decision.why, { details: { msgId, ...decision.details } });
    }

    const stored = await this.query(() => db.messageDocument.findUnique({ where: { msgId } }));
    if (!stored) throw documentError(DocumentErrorCodes.NotStored, 'the document of this message is not stored (recorded before the document vault)', { details: { msgId } });
    const document = this.opts.vault.open(msgId, stored);

    const receivers: ReceiverStatus[] = [];
    const hubError = events.at(-1)?.errorCode;
    for (const herId of message.receiverHerIds) {
      const party = await this.opts.registry.findByAnyHerId(herId).catch(() => null);
      const orgHerId = party?.herId ?? herId;
      const name = party ? (party.herId === herId ? party.name : `${party.name}, ${party.services.find((s) => s.herId === herId)?.name ?? 'tjeneste'}`) : undefined;
      const expectation = expectations.find((e) => e.receiverHerId === orgHerId || e.receiverHerId === herId);
      const hold = held.find((h) => h.receiverHerId === orgHerId || h.receiverHerId === herId);
      receivers.push({ herId, ...(name ? { name } : {}), status: receiptStatusText(expectation, hold, message.status, hubError) });
    }

    const pdf = await renderManualFallbackPdf(
      {
        document,
        msgId,
        conversationId: message.conversationId,
        msgType: message.msgType,
        hubStatus: message.status,
        reasons: decision.reasons,
        receivers,
        printedAt: now,
        fetchedBy: await this.fetchedBy(principal),
      },
      { compress: this.opts.compress ?? true },
    );
    return { pdf, filename: `${msgId}.pdf` };
  }

  /** `<credential label> (<role>[, party HER-id])` for the footer. */
  private async fetchedBy(principal: Principal): Promise<string> {
    const credential = await this.opts.db.partyCredential.findUnique({ where: { id: principal.credentialId }, select: { label: true } }).catch(() => null);
    const role = principal.role === 'OPERATOR' ? 'operatør' : `part ${principal.partyHerId}`;
    return `${credential?.label ?? principal.credentialId} (${role})`;
  }

  private async query<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof HubError) throw err;
      throw documentError(DocumentErrorCodes.Unavailable, 'the ledger is unavailable; try again', { retriable: true, cause: err });
    }
  }
}

interface ExpectationRow {
  status: string;
  warnedAt: Date | null;
  overdueMarkedAt: Date | null;
  closedAt: Date | null;
  errors: unknown;
}

/** The receipt situation of one receiver in words. */
export function receiptStatusText(
  expectation: ExpectationRow | undefined,
  held: { heldAt: Date; releasedAt: Date | null } | undefined,
  messageStatus: string,
  hubErrorCode: string | null | undefined,
): string {
  if (expectation) {
    const errors = Array.isArray(expectation.errors)
      ? (expectation.errors as { code?: string; dn?: string; ot?: string }[]).map((e) => [e.code, e.dn, e.ot].filter(Boolean).join(' ')).join('; ')
      : '';
    switch (expectation.status) {
      case 'OK':
        return `OK: mottatt og lest inn (applikasjonskvittering${expectation.closedAt ? ` ${formatOsloTime(expectation.closedAt)}` : ''})`;
      case 'PARTIAL':
        return `OK, feil i delmelding${errors ? `: ${errors}` : ''}`;
      case 'REJECTED':
        return `Avvist av mottaker${errors ? `: ${errors}` : ''}`;
      default:
        if (expectation.overdueMarkedAt) return `Ingen applikasjonskvittering: forfalt ${formatOsloTime(expectation.overdueMarkedAt)}`;
        if (expectation.warnedAt) return `Venter på applikasjonskvittering (varslet ${formatOsloTime(expectation.warnedAt)})`;
        return 'Venter på applikasjonskvittering';
    }
  }
  if (held && held.releasedAt === null) return `Ikke levert: holdt tilbake siden ${formatOsloTime(held.heldAt)} (mottaker nede)`;
  if (messageStatus === 'REJECTED') return `Ikke levert: avvist av huben${hubErrorCode ? ` (${hubErrorCode})` : ''}`;
  if (messageStatus === 'FAILED') return `Ikke levert: levering feilet${hubErrorCode ? ` (${hubErrorCode})` : ''}`;
  return 'Ikke levert ennå';
}
