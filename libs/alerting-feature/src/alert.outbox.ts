import { ALL_CLEAR_NOTES, HUB_OPERATIONS, allClearText, reminderText, remindedConditions, type AlertCondition, type AlertDraft } from '@hub/alerting';
import { getLogger } from '@hub/observability';
import type { PartyRegistry } from '@hub/registry';
import type { AlertChannels, AlertRecipient, OutgoingNotice } from './alert.channels.js';
import { alertSendFailures, alertsTotal } from './alerting.metrics.js';
import { AlertStore, type AlertRow, type SendKind } from './alert.store.js';
import type { Clock } from './alerting.tokens.js';

/** How long one replica may hold a send before another may take it over. */
const LEASE_MS = 2 * 60_000;

export interface AlertOutboxOptions {
  operationsEmail: string;
  reminderAfterMs: number;
  retryIntervalMs: number;
}

/**
 * Raises alerts and gets them out: insert-or-ignore on the dedupe key, then send, then
 * mark sent. A send that fails leaves `sentAt` null and is retried on a timer, so an
 * SMTP outage delays notices but never loses one. Reminders and all-clears go the same way.
 */
export class AlertOutbox {
  private readonly log = getLogger(AlertOutbox.name);
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;

  constructor(
    private readonly store: AlertStore,
    private readonly channels: AlertChannels,
    private readonly registry: PartyRegistry,
    private readonly clock: Clock,
    private readonly opts: AlertOutboxOptions,
  ) {}

  /**
   * Records the alert (once per dedupe key) and tries to send it now. Returns whether
   * this call created it. A send failure is not an error here: the retry timer owns it.
   */
  async raise(draft: AlertDraft): Promise<{ created: boolean; alert: AlertRow }> {
    const result = await this.store.open(draft);
    if (result.created) {
      alertsTotal.inc({ condition: draft.condition, party: String(draft.partyHerId) });
      this.log.info('alert raised', { alertId: String(result.alert.id), condition: draft.condition, party: draft.partyHerId, msgId: draft.msgId });
    }
    if (!result.alert.sentAt && !result.alert.resolvedAt) await this.send(result.alert.id, 'alert');
    return result;
  }

  /** Resolves alerts and sends their all-clears (unless `announce` is false). */
  async resolve(match: { keys?: string[]; prefix?: string }, opts: { announce: boolean; note?: string } = { announce: true }): Promise<number> {
    const ids = await this.store.resolve(match, this.clock(), opts);
    if (opts.announce) for (const id of ids) await this.send(id, 'all-clear');
    return ids.length;
  }

  /** Sends one kind of notice for one alert if it is due and nobody else is at it. Returns true when it went out. */
  async send(id: bigint, kind: SendKind): Promise<boolean> {
    const now = this.clock();
    const cutoff = new Date(now.getTime() - this.opts.reminderAfterMs);
    if (!(await this.store.claim(id, kind, now, new Date(now.getTime() + LEASE_MS), cutoff))) return false;
    const alert = await this.store.get(id);
    if (!alert) return false;
    const recipient = await this.recipientOf(alert.partyHerId);
    const text =
      kind === 'alert'
        ? { subject: alert.subject, body: alert.body }
        : kind === 'reminder'
          ? reminderText(alert)
          : allClearText(alert, ALL_CLEAR_NOTES[alert.condition as AlertCondition] ?? 'forholdet er løst.');
    const notice: OutgoingNotice = {
      kind,
      alertId: String(alert.id),
      dedupeKey: alert.dedupeKey,
      condition: alert.condition,
      severity: kind === 'all-clear' ? 'info' : alert.severity,
      partyHerId: alert.partyHerId,
      msgId: alert.msgId,
      ...text,
    };
    const skip = kind === 'reminder' ? new Set<string>() : AlertStore.doneChannels(alert, kind);
    const results = await this.channels.send(notice, recipient, skip);
    for (const r of results) if (!r.ok) alertSendFailures.inc({ channel: r.channel });
    return this.store.recordSend(id, kind, results, this.clock());
  }

  /** One pass over everything due: unsent alerts, all-clears, reminders. */
  async tick(): Promise<void> {
    if (this.ticking) return this.ticking;
    this.ticking = (async () => {
      const now = this.clock();
      const reminderCutoff = new Date(now.getTime() - this.opts.reminderAfterMs);
      for (const id of await this.store.due('alert', now)) await this.send(id, 'alert');
      for (const id of await this.store.due('all-clear', now)) await this.send(id, 'all-clear');
      for (const id of await this.store.due('reminder', now, { reminderCutoff, conditions: remindedConditions() })) await this.send(id, 'reminder');
    })();
    try {
      await this.ticking;
    } catch (err) {
      this.log.warn('alert retry pass failed, next pass retries', { error: (err as Error).message });
    } finally {
      this.ticking = undefined;
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.opts.retryIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking?.catch(() => undefined);
  }

  private async recipientOf(partyHerId: number): Promise<AlertRecipient> {
    if (partyHerId !== HUB_OPERATIONS) {
      const party = await this.registry.findParty(partyHerId);
      if (party) return { partyHerId, email: party.meldingsansvarligEmail, webhookUrl: party.webhookUrl };
      this.log.warn('alert for a party not in the registry goes to hub operations', { party: partyHerId });
    }
    return { partyHerId: HUB_OPERATIONS, email: this.opts.operationsEmail, webhookUrl: null };
  }
}

