import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '@hub/observability';

/** Alerts created (first time a dedupe key is seen), by condition and party told (0 = hub operations). */
export const alertsTotal = new Counter({
  name: 'hub_alerts_total',
  help: 'Alerts raised, by condition and the party whose meldingsansvarlig is told (0 = hub operations).',
  labelNames: ['condition', 'party'] as const,
  registers: [metricsRegistry],
});

/** Failed sends per channel (email, webhook); the alert stays pending and is retried. */
export const alertSendFailures = new Counter({
  name: 'hub_alert_send_failures_total',
  help: 'Failed alert sends by channel; the alert is kept and retried.',
  labelNames: ['channel'] as const,
  registers: [metricsRegistry],
});

/** 1 while a party has an open downtime of that kind (PLANNED, UNPLANNED, SUSPECTED). */
export const partyDownGauge = new Gauge({
  name: 'hub_party_down',
  help: 'Whether a party has an open downtime, by party HER-id and kind.',
  labelNames: ['party', 'kind'] as const,
  registers: [metricsRegistry],
});
