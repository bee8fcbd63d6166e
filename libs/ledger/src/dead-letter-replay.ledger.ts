// The record of dead letters re-published by `plo dlq replay` (table dead_letter_replay):
// what makes a replay happen once however often, and from how many terminals, it is asked for.
import { userInfo } from 'node:os';
import type { LedgerClient } from './ledger-client.factory.js';

/** One dead letter, by where it sits: physical dead-letter topic, partition, offset. */
export interface DeadLetterPosition {
  dlqTopic: string;
  partition: number;
  /** Kafka offset as a decimal string (int64). */
  offset: string;
}

/** What is recorded with a claim. */
export interface DeadLetterReplayClaim extends DeadLetterPosition {
  /** Logical topic the event is re-published to. */
  originalTopic: string;
  eventId?: string;
  errorCode?: string;
}

/** `claimed`: a replay started but was not seen to finish (it died, or is running now). */
export type DeadLetterReplayState = { state: 'replayed'; at: Date } | { state: 'claimed'; at: Date };

/**
 * - `replayed`: this call published it;
 * - `already-replayed`: an earlier replay did (nothing published);
 * - `busy`: another process is publishing it right now (nothing published).
 */
export type DeadLetterReplayResult = 'replayed' | 'already-replayed' | 'busy';

const positionKey = (p: DeadLetterPosition) => `${p.dlqTopic}:${p.partition}:${p.offset}`;

/**
 * Runs a dead letter's re-publication at most once to completion:
 * 1. claim: insert the row (the primary key decides; a second insert is a no-op) and commit,
 *    so the attempt is on record before anything is published;
 * 2. in one transaction, lock the row (`FOR UPDATE SKIP LOCKED`: a concurrent replay of the
 *    same dead letter holds it, so this one stands back) and read whether it is done;
 * 3. publish, then set `replayed_at` and commit.
 * A process that dies in 3 loses its lock with its connection and leaves the claim without
 * `replayed_at`: the next replay takes it up. A death between the broker's acknowledgement
 * and the commit publishes twice; the stages claim by eventId, so the second copy is a no-op.
 */
export class DeadLetterReplayLedger {
  constructor(
    private readonly client: LedgerClient,
    private readonly claimedBy: string = safeUserName(),
  ) {}

  /** Replay state of each given dead letter that has a row, keyed `topic:partition:offset`. */
  async states(positions: readonly DeadLetterPosition[]): Promise<Map<string, DeadLetterReplayState>> {
    const out = new Map<string, DeadLetterReplayState>();
    if (positions.length === 0) return out;
    const topics = [...new Set(positions.map((p) => p.dlqTopic))];
    const rows = await this.client.deadLetterReplay.findMany({
      where: { dlqTopic: { in: topics } },
      select: { dlqTopic: true, partition: true, offset: true, claimedAt: true, replayedAt: true },
    });
    const wanted = new Set(positions.map(positionKey));
    for (const r of rows) {
      const key = positionKey({ dlqTopic: r.dlqTopic, partition: r.partition, offset: r.offset.toString() });
      if (!wanted.has(key)) continue;
      out.set(key, r.replayedAt ? { state: 'replayed', at: r.replayedAt } : { state: 'claimed', at: r.claimedAt });
    }
    return out;
  }

  /** Runs `publish` unless the dead letter was replayed already or is being replayed now (see class doc). */
  async once(claim: DeadLetterReplayClaim, publish: () => Promise<void>, opts: { timeoutMs?: number } = {}): Promise<DeadLetterReplayResult> {
    const id = { dlqTopic: claim.dlqTopic, partition: claim.partition, offset: BigInt(claim.offset) };
    await this.client.deadLetterReplay.createMany({
      data: [
        {
          ...id,
          originalTopic: claim.originalTopic,
          eventId: claim.eventId ?? null,
          errorCode: claim.errorCode ?? null,
          claimedBy: this.claimedBy,
        },
      ],
      skipDuplicates: true,
    });
    return this.client.$transaction(
      async (tx) => {
        const locked = await tx.$queryRaw<{ replayed_at: Date | null }[]>`
          SELECT replayed_at FROM dead_letter_replay
          WHERE dlq_topic = ${id.dlqTopic} AND "partition" = ${id.partition} AND "offset" = ${id.offset}
          FOR UPDATE SKIP LOCKED`;
        if (locked.length === 0) return 'busy';
        if (locked[0].replayed_at) return 'already-replayed';
        await publish();
        await tx.deadLetterReplay.update({
          where: { dlqTopic_partition_offset: id },
          // The claimer of record is whoever finished it (an earlier claim may have died).
          data: { replayedAt: new Date(), claimedBy: this.claimedBy },
        });
        return 'replayed';
      },
      // The publish runs inside the transaction (it holds the row lock): allow for broker retries.
      { maxWait: 10_000, timeout: opts.timeoutMs ?? 120_000 },
    );
  }
}

function safeUserName(): string {
  try {
    return userInfo().username.slice(0, 64) || 'unknown';
  } catch {
    // No passwd entry for this uid (some containers): the claim still needs a name.
    return `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}
