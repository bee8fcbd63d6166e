import { HubHeaders } from '@hub/contracts';
import { HubError, maskPersonIds } from '@hub/errors';
import { getLogger } from '@hub/observability';
import { formatRef, replayRecord, type DeadLetter } from './dead-letter.js';
import type { HubProducer } from './hub.producer.js';
import { logicalName, physicalName } from './topic.namespace.js';

/** Where one dead letter sits, as the replay record stores it (physical topic). */
export interface DeadLetterReplayPosition {
  dlqTopic: string;
  partition: number;
  offset: string;
}

export interface DeadLetterReplayClaimInput extends DeadLetterReplayPosition {
  originalTopic: string;
  eventId?: string;
  errorCode?: string;
}

export type DeadLetterReplayStateInput = { state: 'replayed'; at: Date } | { state: 'claimed'; at: Date };

/**
 * The durable record of replays (implemented over PostgreSQL by `@hub/ledger`'s
 * DeadLetterReplayLedger): `once` runs `publish` unless the dead letter was replayed
 * already (`already-replayed`) or another process is publishing it now (`busy`).
 */
export interface DeadLetterReplayRecord {
  states(positions: readonly DeadLetterReplayPosition[]): Promise<Map<string, DeadLetterReplayStateInput>>;
  once(claim: DeadLetterReplayClaimInput, publish: () => Promise<void>): Promise<'replayed' | 'already-replayed' | 'busy'>;
}

export type ReplayOutcome =
  | { ref: string; result: 'replayed'; topic: string; eventId: string | null }
  | { ref: string; result: 'already-replayed' | 'busy' }
  | { ref: string; result: 'failed'; code: string; message: string };

/** The physical position of a dead letter, as the replay record keys it. */
export function replayPosition(dl: DeadLetter): DeadLetterReplayPosition {
  return { dlqTopic: physicalName(dl.ref.topic), partition: dl.ref.partition, offset: dl.ref.offset };
}

/**
 * Re-publishes dead letters to their original topics, each at most once to completion
 * (the replay record decides), one at a time so a failure is reported per dead letter.
 */
export class DeadLetterReplayer {
  private readonly log = getLogger(DeadLetterReplayer.name);

  constructor(
    private readonly producer: HubProducer,
    private readonly record: DeadLetterReplayRecord,
  ) {}

  async replay(deadLetters: readonly DeadLetter[]): Promise<ReplayOutcome[]> {
    const outcomes: ReplayOutcome[] = [];
    for (const dl of deadLetters) outcomes.push(await this.replayOne(dl));
    return outcomes;
  }

  private async replayOne(dl: DeadLetter): Promise<ReplayOutcome> {
    const ref = formatRef(dl.ref);
    const eventId = dl.headers[HubHeaders.EventId] ?? null;
    try {
      const record = replayRecord(dl);
      const result = await this.record.once(
        {
          ...replayPosition(dl),
          originalTopic: logicalName(record.topic),
          eventId: eventId ?? undefined,
          errorCode: dl.headers[HubHeaders.ErrorCode],
        },
        () => this.producer.sendRecords([record]),
      );
      if (result !== 'replayed') return { ref, result };
      this.log.info('dead letter replayed', { ref, topic: logicalName(record.topic), eventId });
      return { ref, result, topic: logicalName(record.topic), eventId };
    } catch (err) {
      const e = HubError.from(err);
      this.log.error('dead letter replay failed', { ref, code: e.code, error: maskPersonIds(e.message) });
      return { ref, result: 'failed', code: e.code, message: maskPersonIds(e.message) };
    }
  }
}
