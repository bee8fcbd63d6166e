import { InboxTopic } from '@hub/contracts';
import { InboxDrainMonitor } from '@hub/alerting';
import { physicalName, type Kafka } from '@hub/kafka';
import type { LedgerClient } from '@hub/ledger';
import { getLogger } from '@hub/observability';
import type { PartyRegistry } from '@hub/registry';
import type { DowntimeService } from './downtime.service.js';
import type { Clock } from './alerting.tokens.js';

const APPREC_SIGNAL = 'ingen applikasjonskvitteringer';
const INBOX_SIGNAL = 'innboksen tømmes ikke';

export interface SilenceDetectorOptions {
  silenceAfterMs: number;
  intervalMs: number;
  /** Consumer groups (logical names) that drain the inbox topics. */
  inboxConsumerGroups: readonly string[];
}

/**
 * Silence detection, on a timer:
 * - AppRecs stop arriving: a party has an open receipt expectation older than the
 *   period and has closed none since it was opened;
 * - the inbox stops draining: lag on `hub.inbox.<herId>.v1` and no new commit by the
 *   adapters' consumer groups for the period.
 * Either opens one SUSPECTED downtime (and its alerts); it is cleared when the party
 * answers again. Parties with declared downtime are skipped: their silence is expected.
 * The same pass starts planned downtime whose start has come.
 */
export class SilenceDetector {
  private readonly log = getLogger(SilenceDetector.name);
  private readonly inbox: InboxDrainMonitor;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly db: LedgerClient,
    private readonly registry: PartyRegistry,
    private readonly downtime: DowntimeService,
    private readonly kafka: Kafka | null,
    private readonly clock: Clock,
    private readonly opts: SilenceDetectorOptions,
  ) {
    this.inbox = new InboxDrainMonitor(opts.silenceAfterMs);
  }

  async tick(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.run();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async run(): Promise<void> {
    await this.downtime.activateDue();
    const now = this.clock();
    const parties = await this.registry.listParties();
    const byHerId = new Map(parties.map((p) => [p.herId, p]));
    const silentApprec = await this.appRecSilence(now);
    const stalledInbox = await this.inboxStalls(parties.map((p) => p.herId), now);

    for (const [herId, since] of silentApprec) {
      const party = byHerId.get(herId);
      if (party && party.status === 'ACTIVE') await this.downtime.suspect(party, `${APPREC_SIGNAL} siden ${since.toISOString()}`, since);
    }
    for (const [herId, since] of stalledInbox) {
      const party = byHerId.get(herId);
      if (party && party.status === 'ACTIVE' && !silentApprec.has(herId)) await this.downtime.suspect(party, `${INBOX_SIGNAL} siden ${since.toISOString()}`, since);
    }
    // Cleared when the party answers again: an AppRec closed after the suspicion began,
    // or its inbox drained since then (and neither signal still holds).
    for (const row of await this.downtime.openSuspected()) {
      if (silentApprec.has(row.partyHerId) || stalledInbox.has(row.partyHerId)) continue;
      const answered = await this.db.receiptExpectation.count({ where: { receiverHerId: row.partyHerId, closedAt: { gt: row.startsAt } } });
      const drained = this.inbox.progressedSince(row.partyHerId, row.startsAt.getTime());
      const apprecSignal = row.reason.startsWith(APPREC_SIGNAL);
      if ((apprecSignal && answered > 0) || (!apprecSignal && drained)) await this.downtime.clearSuspected(row);
    }
  }

  /** Receivers with an unanswered expectation older than the period and no AppRec since it was opened. */
  private async appRecSilence(now: Date): Promise<Map<number, Date>> {
    const cutoff = new Date(now.getTime() - this.opts.silenceAfterMs);
    const rows = await this.db.$queryRaw<{ herId: number; since: Date }[]>`
      WITH last_closed AS (
        SELECT receiver_her_id, MAX(closed_at) AS last_closed
          FROM receipt_expectation WHERE closed_at IS NOT NULL GROUP BY receiver_her_id)
      SELECT e.receiver_her_id AS "herId", MIN(e.opened_at) AS "since"
        FROM receipt_expectation e LEFT JOIN last_closed c ON c.receiver_her_id = e.receiver_her_id
       WHERE e.status = 'OPEN' AND e.opened_at < ${cutoff}
         AND (c.last_closed IS NULL OR e.opened_at > c.last_closed)
       GROUP BY e.receiver_her_id`;
    return new Map(rows.map((r) => [Number(r.herId), r.since]));
  }

  /** Parties whose inbox has lag and no new commit for the period (per this process's observations). */
  private async inboxStalls(herIds: number[], now: Date): Promise<Map<number, Date>> {
    const out = new Map<number, Date>();
    if (!this.kafka || this.opts.inboxConsumerGroups.length === 0) return out;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const topics = herIds.map((h) => ({ herId: h, topic: physicalName(InboxTopic.nameFor(String(h))) })).filter((t) => existing.has(t.topic));
      if (topics.length === 0) return out;
      const committed = new Map<string, Map<number, number>>();
      for (const group of this.opts.inboxConsumerGroups) {
        const entries = await admin.fetchOffsets({ groupId: physicalName(group), topics: topics.map((t) => t.topic) });
        for (const e of entries) {
          const perPartition = committed.get(e.topic) ?? new Map<number, number>();
          for (const p of e.partitions) perPartition.set(p.partition, Math.max(perPartition.get(p.partition) ?? -1, Number(p.offset)));
          committed.set(e.topic, perPartition);
        }
      }
      for (const t of topics) {
        const ends = await admin.fetchTopicOffsets(t.topic);
        let lag = 0;
        let sum = 0;
        for (const p of ends) {
          const done = committed.get(t.topic)?.get(p.partition) ?? -1;
          const from = done >= 0 ? done : Number(p.low);
          lag += Math.max(0, Number(p.high) - from);
          sum += from;
        }
        const state = this.inbox.observe(t.herId, { lag, committed: sum }, now.getTime());
        if (state.stalled) out.set(t.herId, new Date(state.lastProgressAt));
      }
    } catch (err) {
      this.log.warn('inbox lag check failed; AppRec silence still checked', { error: (err as Error).message });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    return out;
  }

  start(): void {
    const run = () => void this.tick().catch((err: Error) => this.log.warn('silence detection pass failed, next pass retries', { error: err.message }));
    this.timer = setInterval(run, this.opts.intervalMs);
    this.timer.unref();
    run();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }
}
