import { metricsRegistry } from '@hub/observability';
import { Counter } from 'prom-client';

/** How one submission ended. */
export type IntakeOutcome = 'accepted' | 'replayed' | 'refused' | 'failed';

/**
 * `hub_intake_messages_total{type,sender,outcome}`. Labels are the message type, the sender's
 * HER-id (`unknown` before it is known) and the outcome: never a person id.
 */
export const intakeMessages = new Counter({
  name: 'hub_intake_messages_total',
  help: 'Messages submitted to intake, by message type, sender HER-id and outcome.',
  labelNames: ['type', 'sender', 'outcome'] as const,
  registers: [metricsRegistry],
});

/** `hub_intake_republished_total{outcome}`: messages the outbox sweep published again (StalledMessageSweep). */
export const republishedMessages = new Counter({
  name: 'hub_intake_republished_total',
  help: 'Accepted messages intake published again because their trace showed no stage after intake (outbox sweep), by outcome.',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});
