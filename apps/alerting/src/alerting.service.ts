import { Topics } from '@hub/contracts';
import { AlertingModule, alertingSettings } from '@hub/alerting-feature';
import type { ServiceDefinition } from '@hub/service-host';

/**
 * Alerting: notices to the parties' meldingsansvarlige (e-mail, webhook) for rejected,
 * refused, undeliverable, unacknowledged and overdue messages, unmatched AppRecs,
 * expiring certificates and downtime; the downtime API and silence detection.
 */
export const alertingService: ServiceDefinition<typeof alertingSettings> = {
  name: 'alerting',
  settings: alertingSettings,
  module: (config, kafka) => AlertingModule.forRoot({ config, kafka }),
  consumerGroup: 'alerting',
  // Off the message path: a notice a quarter of a second later changes nothing, and fuller
  // fetches spare this service and the broker a fetch of its 30 partitions per event
  // (docs/benchmarks.md).
  consumerFetch: { fetchMinBytes: 64 * 1024, fetchMaxWaitMs: 250 },
  produces: [],
};

/** The topics alerting consumes (created by the Kafka transport before it subscribes). */
export const alertingConsumes = [Topics.MessagesRejected, Topics.MessagesRefused, Topics.DispatchFailed, Topics.ReceiptStatus, Topics.MessagesDispatched];
