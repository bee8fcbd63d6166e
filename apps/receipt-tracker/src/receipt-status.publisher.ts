import { Topics, type ReceiptStatusChanged } from '@hub/contracts';
import type { HubProducer } from '@hub/kafka';

/** Publishes receipt state changes on `hub.receipts.status.v1` (keyed by conversation). */
export class ReceiptStatusPublisher {
  constructor(private readonly producer: HubProducer) {}

  /** Resolves once the broker has every event (acks=all); throws a retriable HubError otherwise. */
  async publish(events: readonly ReceiptStatusChanged[]): Promise<void> {
    if (events.length === 0) return;
    await this.producer.sendRecords(events.map((e) => this.producer.toRecord(Topics.ReceiptStatus, e)));
  }
}
