import nodemailer, { type Transporter } from 'nodemailer';
import { maskPersonIds } from '@hub/errors';
import { getLogger } from '@hub/observability';
import type { ChannelResult, SendKind } from './alert.store.js';

/** Where a notice goes. */
export interface AlertRecipient {
  /** Organisation HER-id, or 0 for hub operations. */
  partyHerId: number;
  email: string;
  webhookUrl: string | null;
}

/** One notice, ready to send (texts already masked by @hub/alerting). */
export interface OutgoingNotice {
  kind: SendKind;
  alertId: string;
  dedupeKey: string;
  condition: string;
  severity: string;
  partyHerId: number;
  msgId: string | null;
  subject: string;
  body: string;
}

/** The JSON a party's webhook receives. */
export interface AlertWebhookPayload extends OutgoingNotice {
  sentAt: string;
}

/** Mail headers that let a receiving system (and the tests) tell notices apart without parsing Norwegian. */
export const AlertMailHeaders = {
  Key: 'X-Hub-Alert-Key',
  Kind: 'X-Hub-Alert-Kind',
  Condition: 'X-Hub-Alert-Condition',
  MsgId: 'X-Hub-Msg-Id',
} as const;

/**
 * E-mail over SMTP (nodemailer) and the optional per-party webhook. Each channel
 * reports its own result; nothing here retries (the outbox does, on a timer).
 */
export class AlertChannels {
  private readonly log = getLogger(AlertChannels.name);
  private readonly transport: Transporter;
  private readonly logOnly: boolean;

  constructor(private readonly opts: { smtpUrl: string; from: string; webhookTimeoutMs: number; now: () => Date }) {
    this.logOnly = opts.smtpUrl === 'log:';
    this.transport = this.logOnly
      ? nodemailer.createTransport({ jsonTransport: true })
      : nodemailer.createTransport(opts.smtpUrl, { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 } as never);
  }

  async send(notice: OutgoingNotice, to: AlertRecipient, skip: Set<string> = new Set()): Promise<ChannelResult[]> {
    const results: ChannelResult[] = [];
    if (!skip.has('email')) results.push(await this.email(notice, to));
    if (to.webhookUrl && !skip.has('webhook')) results.push(await this.webhook(notice, to.webhookUrl));
    return results;
  }

  private async email(n: OutgoingNotice, to: AlertRecipient): Promise<ChannelResult> {
    const at = this.opts.now().toISOString();
    try {
      await this.transport.sendMail({
        from: this.opts.from,
        to: to.email,
        subject: n.subject,
        text: n.body,
        headers: {
          [AlertMailHeaders.Key]: n.dedupeKey,
          [AlertMailHeaders.Kind]: n.kind,
          [AlertMailHeaders.Condition]: n.condition,
          ...(n.msgId ? { [AlertMailHeaders.MsgId]: n.msgId } : {}),
        },
      });
      this.log.info(this.logOnly ? 'alert logged (SMTP_URL=log:)' : 'alert e-mailed', {
        alertId: n.alertId,
        kind: n.kind,
        condition: n.condition,
        party: n.partyHerId,
        msgId: n.msgId,
        subject: n.subject,
      });
      return { channel: 'email', ok: true, at };
    } catch (err) {
      const error = maskPersonIds((err as Error).message).slice(0, 500);
      this.log.warn('alert e-mail failed, will retry', { alertId: n.alertId, kind: n.kind, party: n.partyHerId, error });
      return { channel: 'email', ok: false, at, error };
    }
  }

  private async webhook(n: OutgoingNotice, url: string): Promise<ChannelResult> {
    const at = this.opts.now().toISOString();
    const payload: AlertWebhookPayload = { ...n, sentAt: at };
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.opts.webhookTimeoutMs),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return { channel: 'webhook', ok: true, at };
    } catch (err) {
      const error = maskPersonIds((err as Error).message).slice(0, 500);
      this.log.warn('alert webhook failed, will retry', { alertId: n.alertId, kind: n.kind, party: n.partyHerId, error });
      return { channel: 'webhook', ok: false, at, error };
    }
  }

  close(): void {
    this.transport.close();
  }
}
