import { Topics, type MessageAccepted, type MessageErrorDetail, type MessageRejected, type MessageValidated } from '@hub/contracts';
import { HubError, maskPersonIds } from '@hub/errors';
import type { HubProducer } from '@hub/kafka';
import { EventOutcome, MessageStatus, type LedgerEvent, type LedgerJsonObject, type MessageLedger } from '@hub/ledger';
import { HubMetrics, getLogger, metricsRegistry } from '@hub/observability';
import { derivedEventId, type MessageRules, type RuleVerdict } from '@hub/validation-rules';
import { Counter } from 'prom-client';

/** Ledger stage names and the claim stage of this service. */
export const ValidationStages = { Claim: 'validation', Validated: 'validated', Rejected: 'rejected' } as const;

export const ValidationErrorCodes = {
  /** The event on the accepted topic is not a MessageAccepted: a poison event (dead-lettered). */
  BadEvent: 'VALIDATION.BAD_EVENT',
} as const;

const outcomes = new Counter({
  name: 'hub_validation_outcomes_total',
  help: 'Messages validated or rejected, by message type and (for rejections) the first 8221 code.',
  labelNames: ['outcome', 'msg_type', 'code'] as const,
  registers: [metricsRegistry],
});

type Output = { topic: typeof Topics.MessagesValidated; payload: MessageValidated } | { topic: typeof Topics.MessagesRejected; payload: MessageRejected };

/**
 * One MessageAccepted → MessageValidated or MessageRejected. A rejection is a normal
 * outcome (published, recorded, offset committed); only an event that is not a
 * MessageAccepted at all is poison. Effectively once: the claim and the ledger event commit
 * together, the output id is derived from the input id, and a redelivery re-publishes the
 * recorded outcome with the same id.
 */
export class ValidationStage {
  private readonly log = getLogger(ValidationStage.name);

  constructor(
    private readonly rules: MessageRules,
    private readonly ledger: MessageLedger,
    private readonly producer: HubProducer,
    /** Resolves the sender's organisation for the `partner` metric label (omitted: the HER-id as sent). */
    private readonly parties?: { findByAnyHerId(herId: number): Promise<{ herId: number } | null> },
  ) {
    HubMetrics.declareStage('validation');
  }

  async handle(input: unknown): Promise<void> {
    const accepted = assertMessageAccepted(input);
    const stopStage = HubMetrics.startStage('validation');
    const ids = { msgId: accepted.msgId, conversationId: accepted.conversationId, eventId: accepted.eventId };
    const eventId = derivedEventId(ValidationStages.Claim, accepted.eventId);
    const verdict = await this.rules.evaluate({ msgId: accepted.msgId, conversationId: accepted.conversationId, senderHerId: accepted.senderHerId, xml: accepted.xml });

    // Claim and event in one statement: null when an earlier delivery already recorded it.
    const recorded = await this.ledger.claimAndAppend(ValidationStages.Claim, accepted.eventId, ledgerEventOf(accepted, verdict));

    let output: Output;
    if (recorded) {
      output = outputOf(accepted, eventId, recorded);
      outcomes.inc({ outcome: recorded.stage, msg_type: verdict.msgType ?? 'unknown', code: verdict.valid ? '' : verdict.errors[0]?.code ?? '' });
      this.log.info(`message ${recorded.stage}`, { ...ids, outcome: recorded.stage, code: recorded.errorCode ?? undefined });
    } else {
      // Redelivered after the ledger commit: publish what was recorded, not a second verdict.
      const earlier = await this.recordedOutcome(accepted.msgId);
      if (!earlier) throw new HubError('VALIDATION.CLAIM_WITHOUT_OUTCOME', `claimed event ${accepted.eventId} has no validation outcome in the ledger`, { retriable: false });
      output = outputOf(accepted, eventId, earlier);
      this.log.info('redelivered: re-publishing the recorded outcome', { ...ids, outcome: earlier.stage });
    }
    await this.producer.publish(output.topic as never, output.payload as never);
    stopStage();
    if (recorded) HubMetrics.message({ stage: 'validation', type: verdict.msgType ?? 'unknown', partner: await this.partnerOf(accepted.senderHerId), outcome: recorded.stage });
  }

  /** The sender's organisation HER-id, or `unknown` (a label never holds an arbitrary number from the input). */
  private async partnerOf(senderHerId: string): Promise<string> {
    if (!this.parties) return /^\d{1,9}$/.test(senderHerId) ? senderHerId : 'unknown';
    const party = /^\d{1,9}$/.test(senderHerId) ? await this.parties.findByAnyHerId(Number(senderHerId)).catch(() => null) : null;
    return party ? String(party.herId) : 'unknown';
  }

  private async recordedOutcome(msgId: string): Promise<LedgerEvent | undefined> {
    const trace = await this.ledger.trace(msgId);
    return trace?.events.filter((e) => e.stage === ValidationStages.Validated || e.stage === ValidationStages.Rejected).at(-1);
  }
}

function ledgerEventOf(accepted: MessageAccepted, verdict: RuleVerdict) {
  if (verdict.valid) {
    return {
      msgId: accepted.msgId,
      stage: ValidationStages.Validated,
      outcome: EventOutcome.SUCCEEDED,
      detail: { inputEventId: accepted.eventId, msgType: verdict.msgType, version: verdict.version, catalogueVersion: verdict.catalogueVersion },
    };
  }
  const errors = verdict.errors.map((e) => ({ code: e.code, reason: e.reason, message: maskPersonIds(e.message).slice(0, 2000), ...(e.line !== undefined ? { line: e.line } : {}) }));
  return {
    msgId: accepted.msgId,
    stage: ValidationStages.Rejected,
    outcome: EventOutcome.FAILED,
    // The trace shows the 8221 code the sender was told (T02, E21 …); the reasons are in the detail.
    errorCode: verdict.errors[0]?.code ?? 'X99',
    status: MessageStatus.REJECTED,
    detail: { inputEventId: accepted.eventId, ...(verdict.msgType ? { msgType: verdict.msgType } : {}), ...(verdict.version ? { version: verdict.version } : {}), errors } as LedgerJsonObject,
  };
}

function outputOf(accepted: MessageAccepted, eventId: string, event: LedgerEvent): Output {
  const base = { eventId, msgId: accepted.msgId, conversationId: accepted.conversationId, occurredAt: event.occurredAt.toISOString() };
  const detail = (event.detail ?? {}) as Record<string, unknown>;
  if (event.stage === ValidationStages.Validated) {
    return {
      topic: Topics.MessagesValidated,
      payload: {
        ...base,
        msgType: typeof detail.msgType === 'string' ? detail.msgType : accepted.msgType,
        version: typeof detail.version === 'string' ? detail.version : accepted.version,
        senderHerId: accepted.senderHerId,
        receiverHerIds: accepted.receiverHerIds,
        xml: accepted.xml,
      },
    };
  }
  const errors = Array.isArray(detail.errors) ? (detail.errors as MessageErrorDetail[]) : [{ code: event.errorCode ?? 'X99', message: 'rejected' }];
  return { topic: Topics.MessagesRejected, payload: { ...base, senderHerId: accepted.senderHerId, errors } };
}

/** The event must be a MessageAccepted; anything else can never be validated (poison → DLQ). */
export function assertMessageAccepted(p: unknown): MessageAccepted {
  const o = p as Partial<MessageAccepted> | null;
  const text = (v: unknown) => typeof v === 'string' && v.length > 0;
  const problems = [
    !o || typeof o !== 'object' ? 'not an object' : null,
    o && !text(o.eventId) ? 'eventId' : null,
    o && !text(o.msgId) ? 'msgId' : null,
    o && !text(o.conversationId) ? 'conversationId' : null,
    o && typeof o.xml !== 'string' ? 'xml' : null,
    o && typeof o.senderHerId !== 'string' ? 'senderHerId' : null,
    o && !(Array.isArray(o.receiverHerIds) && o.receiverHerIds.every((r) => typeof r === 'string')) ? 'receiverHerIds' : null,
  ].filter((x): x is string => x !== null);
  if (problems.length > 0) {
    throw new HubError(ValidationErrorCodes.BadEvent, `not a MessageAccepted: ${problems.join(', ')}`, { retriable: false });
  }
  return o as MessageAccepted;
}
