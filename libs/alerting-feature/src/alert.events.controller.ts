import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  Topics, type DispatchFailed, type HubEventMap, type MessageDispatched, type MessageErrorDetail, type MessageRefused, type MessageRejected, type ReceiptStatusChanged,
} from '@hub/contracts';
import { AlertDrafts, AlertKeys, HUB_OPERATIONS, type ErrorRef } from '@hub/alerting';
import { HubError, HubErrorCodes } from '@hub/errors';
import { getLogger } from '@hub/observability';
import { AlertOutbox } from './alert.outbox.js';
import { MessageContextReader } from './message-context.reader.js';

function errorRefs(errors: readonly MessageErrorDetail[] | undefined): ErrorRef[] {
  return (errors ?? []).map((e) => ({ code: String(e.code), text: e.message ?? null }));
}

function requireFields(p: { msgId?: unknown; eventId?: unknown }, topic: string): void {
  if (typeof p?.msgId !== 'string' || p.msgId.length === 0) {
    throw new HubError(HubErrorCodes.BadPayload, `${topic}: payload without msgId`);
  }
}

/**
 * Turns the pipeline's bad news into alerts. Every handler is idempotent through the
 * alert dedupe key, so a redelivered event (or the same event at a second replica)
 * raises nothing new. A send failure does not fail the handler: the alert is stored
 * and the outbox retries it; only a store failure (database down) is retried here.
 */
@Controller()
export class AlertEventsController {
  private readonly log = getLogger(AlertEventsController.name);

  constructor(
    @Inject(AlertOutbox) private readonly outbox: AlertOutbox,
    @Inject(MessageContextReader) private readonly context: MessageContextReader,
  ) {}

  @EventPattern<Pick<HubEventMap, typeof Topics.MessagesRejected.name>>(Topics.MessagesRejected.name)
  async onRejected(@Payload() p: MessageRejected): Promise<void> {
    requireFields(p, Topics.MessagesRejected.name);
    const ctx = await this.context.read(p);
    await this.outbox.raise(AlertDrafts.messageNotAccepted({ stage: 'validation', message: ctx.message, errors: errorRefs(p.errors), to: ctx.notify }));
  }

  @EventPattern<Pick<HubEventMap, typeof Topics.MessagesRefused.name>>(Topics.MessagesRefused.name)
  async onRefused(@Payload() p: MessageRefused): Promise<void> {
    requireFields(p, Topics.MessagesRefused.name);
    const ctx = await this.context.read(p);
    await this.outbox.raise(AlertDrafts.messageNotAccepted({ stage: 'crypto', message: ctx.message, errors: errorRefs(p.errors), to: ctx.notify }));
  }

  @EventPattern<Pick<HubEventMap, typeof Topics.DispatchFailed.name>>(Topics.DispatchFailed.name)
  async onDispatchFailed(@Payload() p: DispatchFailed): Promise<void> {
    requireFields(p, Topics.DispatchFailed.name);
    if (p.held) {
      // Held for a party that is down: the downtime notice already told everyone; one
      // alert per held message would be the storm the brief forbids.
      this.log.info('delivery held for a party marked down (no alert)', { msgId: p.msgId, conversationId: p.conversationId, receiver: p.receiverHerId });
      return;
    }
    const ctx = await this.context.read(p);
    await this.outbox.raise(AlertDrafts.dispatchFailed({ message: ctx.message, receiverHerId: Number(p.receiverHerId), errors: errorRefs(p.errors), to: ctx.notify }));
  }

  /**
   * A DIALOG_AVVIK ("Tilbakemelding om feil i mottatt melding") delivered to a party means its
   * own message was misdirected (or faulty) and will get no AppRec: tell that party's
   * meldingsansvarlig (DOMAIN.md §7). Every other delivery is ignored here.
   */
  @EventPattern<Pick<HubEventMap, typeof Topics.MessagesDispatched.name>>(Topics.MessagesDispatched.name)
  async onDispatched(@Payload() p: MessageDispatched): Promise<void> {
    if (p?.msgType !== 'DIALOG_AVVIK') return;
    requireFields(p, Topics.MessagesDispatched.name);
    // The AVVIK's sender is the party reporting; its receiver is the sender of the reported message.
    const ctx = await this.context.read({ msgId: p.msgId, conversationId: p.conversationId, senderHerId: p.senderHerId, receiverHerId: p.receiverHerId });
    const to = ctx.message.receiver?.herId;
    if (to === undefined) {
      this.log.warn('DIALOG_AVVIK to a party not in the registry: no alert', { msgId: p.msgId, receiver: p.receiverHerId });
      return;
    }
    const originalMsgId = await this.context.refToParent(p.msgId);
    await this.outbox.raise(AlertDrafts.messageMisdirected({ avvik: ctx.message, originalMsgId, to }));
  }

  @EventPattern<Pick<HubEventMap, typeof Topics.ReceiptStatus.name>>(Topics.ReceiptStatus.name)
  async onReceiptStatus(@Payload() p: ReceiptStatusChanged): Promise<void> {
    requireFields(p, Topics.ReceiptStatus.name);
    const receiverHerId = Number(p.receiverHerId);
    switch (p.status) {
      case 'open':
        return;
      case 'ok':
      case 'helfo': {
        // A (late) positive AppRec closes the warning and the overdue alert with an all-clear.
        await this.outbox.resolve({ keys: [AlertKeys.receiptWarning(p.msgId, receiverHerId), AlertKeys.receiptOverdue(p.msgId, receiverHerId)] });
        return;
      }
      case 'warning': {
        const ctx = await this.context.read(p);
        await this.outbox.raise(AlertDrafts.receiptWarning({ message: ctx.message, receiverHerId, overdueAt: ctx.overdueAt, to: ctx.notify }));
        return;
      }
      case 'overdue': {
        const ctx = await this.context.read(p);
        await this.outbox.raise(AlertDrafts.receiptOverdue({ message: ctx.message, receiverHerId, to: ctx.notify }));
        return;
      }
      case 'rejected': {
        const ctx = await this.context.read(p);
        await this.outbox.raise(AlertDrafts.receiptRejected({ message: ctx.message, receiverHerId, errors: errorRefs(p.errors), to: ctx.notify }));
        // The rejection supersedes the waiting alerts; an "all clear" would be wrong.
        await this.outbox.resolve(
          { keys: [AlertKeys.receiptWarning(p.msgId, receiverHerId), AlertKeys.receiptOverdue(p.msgId, receiverHerId)] },
          { announce: false, note: 'superseded by receipt-rejected' },
        );
        return;
      }
      case 'unmatched': {
        // receiverHerId is the party that sent the AppRec; msgId the AppRec's Id or the OriginalMsgId it names.
        const recorded = await this.context.unmatched(p.msgId, receiverHerId);
        const apprecSender = await this.context.party(recorded?.senderHerId ?? receiverHerId);
        const base = {
          apprecRef: recorded?.apprecId ?? p.msgId,
          originalMsgId: recorded?.originalMsgId ?? p.msgId,
          apprecSender,
          apprecSenderHerId: recorded?.senderHerId ?? receiverHerId,
          errors: errorRefs(p.errors),
        };
        if (apprecSender) await this.outbox.raise(AlertDrafts.receiptUnmatched({ ...base, to: apprecSender.herId }));
        await this.outbox.raise(AlertDrafts.receiptUnmatched({ ...base, to: HUB_OPERATIONS }));
        return;
      }
      default:
        this.log.warn('unknown receipt status ignored', { msgId: p.msgId, status: String(p.status) });
    }
  }
}
