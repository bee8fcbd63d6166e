import { Topics, derivedEventId, type MessageErrorDetail, type MessageRefused, type MessageSealed, type MessageValidated } from '@hub/contracts';
import { HubError, maskPersonIds } from '@hub/errors';
import type { HubProducer } from '@hub/kafka';
import { EventOutcome, MessageStatus, type LedgerEvent, type LedgerEventInput, type LedgerJsonObject, type MessageLedger } from '@hub/ledger';
import { HubMetrics, getLogger, metricsRegistry } from '@hub/observability';
import { RegistryErrorCodes, type PartyRecord, type PartyRegistry } from '@hub/registry';
import {
  CryptoErrorCodes,
  isCryptoErrorCode,
  keyMatchesCertificate,
  kodeverk8221For,
  type CertificateValidator,
  type PartyKeyRing,
  type SealedEnvelope,
  type Sealer,
} from '@hub/seal';
import { Counter, Histogram } from 'prom-client';

/** The claim stage of this service and its ledger event stages. */
export const CryptoStages = { Claim: 'crypto', Sealed: 'sealed', Refused: 'refused' } as const;

export const CryptoServiceErrorCodes = {
  /** The event on the validated topic is not a MessageValidated: poison (dead-lettered). */
  BadEvent: 'CRYPTO.BAD_EVENT',
  /** The input was claimed but the ledger holds no outcome for it (should not happen). */
  ClaimWithoutOutcome: 'CRYPTO.CLAIM_WITHOUT_OUTCOME',
} as const;

const outcomes = new Counter({
  name: 'hub_crypto_outcomes_total',
  help: 'Messages sealed or refused by the crypto service, by outcome and (for refusals) the first code.',
  labelNames: ['outcome', 'code'] as const,
  registers: [metricsRegistry],
});

const sealSeconds = new Histogram({
  name: 'hub_crypto_seal_seconds',
  help: 'Time to judge the certificates and sign + encrypt one message for all its receivers.',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  registers: [metricsRegistry],
});

type Outcome = { kind: 'sealed'; signerHerId: number; envelopes: SealedEnvelope[] } | { kind: 'refused'; errors: MessageErrorDetail[] };

export interface SealingStageDeps {
  registry: PartyRegistry;
  ledger: MessageLedger;
  producer: HubProducer;
  validator: CertificateValidator;
  keyRing: PartyKeyRing;
  sealer: Sealer;
}

/**
 * One MessageValidated → one MessageSealed (a JWE per receiver organisation, each holding
 * the sender organisation's JWS of the document) or one MessageRefused. All or nothing:
 * when any certificate is refused, nothing is sealed for anyone. Effectively once: the
 * claim ('crypto', input eventId) and the ledger event commit together, the output id
 * is derived from the input id, and a redelivery re-publishes the recorded outcome
 * under the same id (a sealed message is sealed again: JWE encryption is randomised, so
 * the bytes differ, the decision and the id do not).
 */
export class SealingStage {
  private readonly log = getLogger(SealingStage.name);
  /** (party, certificate, key) → whether the key file belongs to the registered certificate. */
  private readonly keyMatches = new Map<string, boolean>();

  constructor(private readonly deps: SealingStageDeps) {
    HubMetrics.declareStage('crypto');
  }

  async handle(input: unknown): Promise<void> {
    const msg = assertMessageValidated(input);
    const ids = { msgId: msg.msgId, conversationId: msg.conversationId, eventId: msg.eventId };
    const eventId = derivedEventId(CryptoStages.Claim, msg.eventId);
    const stopStage = HubMetrics.startStage('crypto');

    const stopTimer = sealSeconds.startTimer();
    let outcome = await this.judgeAndSeal(msg, { checkCertificates: true });
    stopTimer();

    // Claim and event in one statement: null when an earlier delivery already recorded it.
    const recorded = await this.deps.ledger.claimAndAppend(CryptoStages.Claim, msg.eventId, ledgerEventOf(msg, eventId, outcome));

    let occurredAt: Date;
    if (recorded) {
      occurredAt = recorded.occurredAt;
      outcomes.inc({ outcome: recorded.stage, code: outcome.kind === 'refused' ? (outcome.errors[0]?.code ?? '') : '' });
      if (outcome.kind === 'sealed') this.log.info('message sealed', { ...ids, receivers: outcome.envelopes.map((e) => e.receiverHerId) });
      else this.log.warn('message refused', { ...ids, codes: outcome.errors.map((e) => e.code) });
    } else {
      // Redelivered after the ledger commit: follow the recorded decision, not a new one.
      const earlier = await this.recordedOutcome(msg);
      if (!earlier) {
        throw new HubError(CryptoServiceErrorCodes.ClaimWithoutOutcome, `claimed event ${msg.eventId} has no crypto outcome in the ledger`, { retriable: false });
      }
      occurredAt = earlier.occurredAt;
      if (earlier.stage === CryptoStages.Refused) {
        outcome = { kind: 'refused', errors: recordedErrors(earlier) };
      } else if (outcome.kind === 'refused') {
        // Sealed before (certificates valid then), refused now (one expired since): the decision stands.
        outcome = await this.judgeAndSeal(msg, { checkCertificates: false });
        if (outcome.kind === 'refused') {
          throw new HubError(outcome.errors[0]?.code ?? CryptoErrorCodes.NoPrivateKey, `cannot re-seal redelivered message: ${outcome.errors[0]?.message}`, { retriable: false });
        }
      }
      this.log.info('redelivered: re-publishing the recorded outcome', { ...ids, outcome: earlier.stage });
    }

    const base = { eventId, msgId: msg.msgId, conversationId: msg.conversationId, occurredAt: occurredAt.toISOString(), senderHerId: msg.senderHerId };
    if (outcome.kind === 'sealed') {
      const sealed: MessageSealed = { ...base, msgType: msg.msgType, envelopes: outcome.envelopes };
      await this.deps.producer.publish(Topics.MessagesSealed, sealed);
    } else {
      const refused: MessageRefused = { ...base, errors: outcome.errors };
      await this.deps.producer.publish(Topics.MessagesRefused, refused);
    }
    stopStage();
    if (recorded) await this.countMessage(msg, outcome);
  }

  /** `hub_messages_total` for this stage: one count per receiving organisation. */
  private async countMessage(msg: MessageValidated, outcome: Outcome): Promise<void> {
    if (outcome.kind === 'sealed') {
      for (const e of outcome.envelopes) HubMetrics.message({ stage: 'crypto', type: msg.msgType, partner: e.receiverHerId, outcome: 'sealed' });
      return;
    }
    const receivers = new Set<string>();
    for (const herId of msg.receiverHerIds) {
      const party = /^\d{1,9}$/.test(herId) ? await this.deps.registry.findByAnyHerId(Number(herId)).catch(() => null) : null;
      receivers.add(party ? String(party.herId) : 'unknown');
    }
    for (const partner of receivers) HubMetrics.message({ stage: 'crypto', type: msg.msgType, partner, outcome: 'refused' });
  }

  /**
   * Resolves sender and receiver organisations, judges their certificates (unless told
   * not to), loads the sender's keys and seals. Refusals are returned; infrastructure
   * trouble (registry down) is thrown as the retriable error it is.
   */
  private async judgeAndSeal(msg: MessageValidated, opts: { checkCertificates: boolean }): Promise<Outcome> {
    const errors: MessageErrorDetail[] = [];
    const sender = await this.deps.registry.findByAnyHerId(Number(msg.senderHerId));
    if (!sender) errors.push({ code: RegistryErrorCodes.UnknownParty, message: `sender HER-id ${msg.senderHerId} is not in the registry` });

    // Receivers are service or organisation HER-ids; envelopes go per organisation.
    const receivers = new Map<number, PartyRecord>();
    for (const herId of msg.receiverHerIds) {
      const party = await this.deps.registry.findByAnyHerId(Number(herId));
      if (!party) errors.push({ code: RegistryErrorCodes.UnknownParty, message: `receiver HER-id ${herId} is not in the registry` });
      else receivers.set(party.herId, party);
    }

    if (opts.checkCertificates) {
      if (sender) this.judge(errors, () => this.deps.validator.validate(sender.signingCertPem, 'sign', { expectedHerId: sender.herId, role: `sender ${sender.herId}` }));
      for (const r of receivers.values()) {
        this.judge(errors, () => this.deps.validator.validate(r.encryptionCertPem, 'encrypt', { expectedHerId: r.herId, role: `receiver ${r.herId}` }));
      }
    }
    if (errors.length > 0 || !sender) return { kind: 'refused', errors };

    let signingKeyPem: string;
    try {
      signingKeyPem = (await this.deps.keyRing.get(sender.herId)).signingKeyPem;
    } catch (err) {
      if (err instanceof HubError && isCryptoErrorCode(err.code)) return { kind: 'refused', errors: [detailOf(err)] };
      throw err;
    }
    const signingCertPem = sender.signingCertPem;
    const missing = !signingCertPem ? 'no registered signing certificate' : !this.keyBelongsTo(sender.herId, signingKeyPem, signingCertPem) ? 'the signing key file does not belong to the registered signing certificate' : null;
    if (missing || !signingCertPem) {
      return { kind: 'refused', errors: [{ code: CryptoErrorCodes.NoPrivateKey, message: `sender ${sender.herId}: ${missing} (kodeverk 8221 ${kodeverk8221For(CryptoErrorCodes.NoPrivateKey)})` }] };
    }
    const recipients = [...receivers.values()].map((r) => ({ herId: String(r.herId), encryptionCertPem: r.encryptionCertPem ?? '' }));
    const envelopes = await this.deps.sealer.sealForEach(msg.xml, { herId: String(sender.herId), signingKeyPem, signingCertPem }, recipients);
    return { kind: 'sealed', signerHerId: sender.herId, envelopes };
  }

  private judge(errors: MessageErrorDetail[], check: () => unknown): void {
    try {
      check();
    } catch (err) {
      if (err instanceof HubError && isCryptoErrorCode(err.code)) errors.push(detailOf(err));
      else throw err;
    }
  }

  private keyBelongsTo(herId: number, keyPem: string, certPem: string): boolean {
    const cacheKey = `${herId}\n${certPem}\n${keyPem}`;
    let ok = this.keyMatches.get(cacheKey);
    if (ok === undefined) {
      ok = keyMatchesCertificate(keyPem, certPem);
      this.keyMatches.set(cacheKey, ok);
    }
    return ok;
  }

  private async recordedOutcome(msg: MessageValidated): Promise<LedgerEvent | undefined> {
    const trace = await this.deps.ledger.trace(msg.msgId);
    return trace?.events
      .filter((e) => (e.stage === CryptoStages.Sealed || e.stage === CryptoStages.Refused) && (e.detail as Record<string, unknown> | null)?.inputEventId === msg.eventId)
      .at(-1);
  }
}

function detailOf(err: HubError): MessageErrorDetail {
  const k = kodeverk8221For(err.code);
  return { code: err.code, message: `${maskPersonIds(err.message)}${k ? ` (kodeverk 8221 ${k})` : ''}` };
}

function ledgerEventOf(msg: MessageValidated, outputEventId: string, outcome: Outcome): LedgerEventInput {
  if (outcome.kind === 'sealed') {
    return {
      msgId: msg.msgId,
      stage: CryptoStages.Sealed,
      outcome: EventOutcome.SUCCEEDED,
      detail: { inputEventId: msg.eventId, outputEventId, signerHerId: outcome.signerHerId, receivers: outcome.envelopes.map((e) => e.receiverHerId) },
    };
  }
  return {
    msgId: msg.msgId,
    stage: CryptoStages.Refused,
    outcome: EventOutcome.FAILED,
    errorCode: outcome.errors[0]?.code ?? CryptoErrorCodes.NoCertificate,
    status: MessageStatus.REJECTED,
    detail: { inputEventId: msg.eventId, outputEventId, errors: outcome.errors.map((e) => ({ code: e.code, message: e.message.slice(0, 2000) })) } as LedgerJsonObject,
  };
}

function recordedErrors(event: LedgerEvent): MessageErrorDetail[] {
  const detail = (event.detail ?? {}) as Record<string, unknown>;
  return Array.isArray(detail.errors) ? (detail.errors as MessageErrorDetail[]) : [{ code: event.errorCode ?? CryptoErrorCodes.NoCertificate, message: 'refused' }];
}


/** The event must be a MessageValidated; anything else can never be sealed (poison → DLQ). */
export function assertMessageValidated(p: unknown): MessageValidated {
  const o = p as Partial<MessageValidated> | null;
  const text = (v: unknown) => typeof v === 'string' && v.length > 0;
  const herId = (v: unknown) => typeof v === 'string' && /^\d{1,9}$/.test(v);
  const problems = [
    !o || typeof o !== 'object' ? 'not an object' : null,
    o && !text(o.eventId) ? 'eventId' : null,
    o && !text(o.msgId) ? 'msgId' : null,
    o && !text(o.conversationId) ? 'conversationId' : null,
    o && !text(o.msgType) ? 'msgType' : null,
    o && !text(o.xml) ? 'xml' : null,
    o && !herId(o.senderHerId) ? 'senderHerId' : null,
    o && !(Array.isArray(o.receiverHerIds) && o.receiverHerIds.length > 0 && o.receiverHerIds.every(herId)) ? 'receiverHerIds' : null,
  ].filter((x): x is string => x !== null);
  if (problems.length > 0) {
    throw new HubError(CryptoServiceErrorCodes.BadEvent, `not a MessageValidated: ${problems.join(', ')}`, { retriable: false });
  }
  return o as MessageValidated;
}
