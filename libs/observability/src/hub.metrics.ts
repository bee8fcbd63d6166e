import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from './metrics.registry.js';

/** Pipeline stages as they appear in the `stage` label (one per service step). */
export type HubStage = 'intake' | 'validation' | 'crypto' | 'dispatch' | 'receipt';

/**
 * Labels of `hub_messages_total`. `partner` is an organisation or service HER-id (the
 * sender at intake and validation, the receiver at crypto, dispatch and receipt), or
 * `unknown`: never a person identifier.
 */
export interface HubMessageLabels {
  stage: HubStage;
  /** PLO message type (LOG_INNLAGT, APPREC …) or `unknown`. */
  type: string;
  partner: string | number;
  /** What the stage did: accepted, refused, validated, rejected, sealed, delivered, held, ok … */
  outcome: string;
}

const messages = new Counter({
  name: 'hub_messages_total',
  help: 'Messages handled by each pipeline stage, by stage, message type, partner HER-id and outcome.',
  labelNames: ['stage', 'type', 'partner', 'outcome'] as const,
  registers: [metricsRegistry],
});

const stageDuration = new Histogram({
  name: 'hub_stage_duration_seconds',
  help: 'Time one pipeline stage spends on one message (handler start to outcome recorded and published).',
  labelNames: ['stage'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

/**
 * The hub-wide message metrics every pipeline service shares, so one PromQL query sees
 * the whole pipeline: `sum by (stage, outcome) (rate(hub_messages_total[5m]))`.
 */
export const HubMetrics = {
  /** Counts one message (or `n`) through a stage. */
  message(labels: HubMessageLabels, n = 1): void {
    messages.inc({ stage: labels.stage, type: labels.type || 'unknown', partner: String(labels.partner || 'unknown'), outcome: labels.outcome }, n);
  },
  /** Starts the stage clock; the returned function observes the elapsed seconds. */
  startStage(stage: HubStage): () => number {
    return stageDuration.startTimer({ stage });
  },
  /** Makes the stage's duration series exist before the first message (a panel on it is never empty). */
  declareStage(stage: HubStage): void {
    stageDuration.zero({ stage });
  },
};
