import { HubMetrics, metricsRegistry } from '@hub/observability';
import { Counter, Gauge, Histogram } from 'prom-client';

/** Where the gauges read from at scrape time (the database: the state is there, not in memory). */
type CountsSource = () => Promise<{ receiverHerId: number; open: number; overdue: number }[]>;
const sources = new Set<CountsSource>();

/** Counts from the first registered source (one per process in production). */
function counts() {
  const source = sources.values().next().value;
  return source ? source() : Promise.resolve([]);
}

const open = new Gauge({
  name: 'hub_apprec_expectations_open',
  help: 'AppRec expectations still open, per receiver (organisation HER-id).',
  labelNames: ['receiver'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    for (const c of await counts().catch(() => [])) this.set({ receiver: String(c.receiverHerId) }, c.open);
  },
});

const overdue = new Gauge({
  name: 'hub_apprec_overdue',
  help: 'Open AppRec expectations past the 96-hour limit, per receiver.',
  labelNames: ['receiver'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    for (const c of await counts().catch(() => [])) this.set({ receiver: String(c.receiverHerId) }, c.overdue);
  },
});

const apprecs = new Counter({
  name: 'hub_apprecs_total',
  help: 'AppRecs processed, per sending receiver and outcome (ok, rejected, partial, unmatched, duplicate).',
  labelNames: ['receiver', 'status'] as const,
  registers: [metricsRegistry],
});

const latency = new Histogram({
  name: 'hub_apprec_latency_seconds',
  help: 'End-to-end time from intake accepting a message to its AppRec reaching the hub, per receiver and message type.',
  labelNames: ['receiver', 'msg_type'] as const,
  buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 96 * 3600, 7 * 24 * 3600],
  registers: [metricsRegistry],
});

const APPREC_STATUSES = ['ok', 'rejected', 'partial', 'unmatched', 'duplicate'] as const;
type ApprecStatusLabel = (typeof APPREC_STATUSES)[number];
const seen = new Set<string>();

/** The receipt tracker's metrics (process-wide series, as prom-client registers them once). */
export const ReceiptMetrics = {
  /** Registers the database the gauges are read from; returns the unregister function. */
  useCountsSource(source: CountsSource): () => void {
    sources.add(source);
    return () => sources.delete(source);
  },
  apprec(receiver: number | string, status: ApprecStatusLabel): void {
    const r = String(receiver);
    // Every status of a receiver exists from its first AppRec on, so a rate of negative
    // AppRecs is 0 (not missing) while all is well.
    if (!seen.has(r)) {
      seen.add(r);
      for (const s of APPREC_STATUSES) apprecs.inc({ receiver: r, status: s }, 0);
    }
    apprecs.inc({ receiver: r, status });
    HubMetrics.message({ stage: 'receipt', type: 'APPREC', partner: r, outcome: status });
  },
  latency(receiver: number, seconds: number, msgType = 'unknown'): void {
    if (Number.isFinite(seconds) && seconds >= 0) latency.observe({ receiver: String(receiver), msg_type: msgType }, seconds);
  },
  // Referenced so the gauges are kept (they are registered by construction).
  gauges: { open, overdue },
};
