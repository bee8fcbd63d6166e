import { X509Certificate } from 'node:crypto';
import { metricsRegistry } from '@hub/observability';
import { Gauge } from 'prom-client';

/** A party as the gauges need it (the registry's record, narrowed). */
export interface PartyMetricsSubject {
  herId: number;
  status: string;
  signingCertPem: string | null;
  encryptionCertPem: string | null;
}

type PartiesSource = () => Promise<readonly PartyMetricsSubject[]>;
let source: PartiesSource | undefined;

async function parties(): Promise<readonly PartyMetricsSubject[]> {
  return source ? source().catch(() => []) : [];
}

function notAfterSeconds(pem: string | null): number | null {
  if (!pem) return null;
  try {
    const t = new Date(new X509Certificate(pem).validTo).getTime();
    return Number.isNaN(t) ? null : t / 1000;
  } catch {
    return null;
  }
}

/** 1 while the registry says the hub delivers to the party (ACTIVE), 0 while DOWN or SUSPENDED. */
export const partyUpGauge = new Gauge({
  name: 'hub_party_up',
  help: 'Whether the hub delivers to a party now (1 = ACTIVE, 0 = DOWN or SUSPENDED), by party HER-id.',
  labelNames: ['party'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    for (const p of await parties()) this.set({ party: String(p.herId) }, p.status === 'ACTIVE' ? 1 : 0);
  },
});

/**
 * NotAfter of each party's registered certificates as a Unix timestamp (the Prometheus way
 * to say "expires at"; days left = `(x - time()) / 86400`).
 */
export const certificateExpiryGauge = new Gauge({
  name: 'hub_certificate_expiry_timestamp_seconds',
  help: "NotAfter of a party's registered certificate (signing or encryption), Unix seconds.",
  labelNames: ['party', 'purpose'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    for (const p of await parties()) {
      const signing = notAfterSeconds(p.signingCertPem);
      const encryption = notAfterSeconds(p.encryptionCertPem);
      if (signing !== null) this.set({ party: String(p.herId), purpose: 'signing' }, signing);
      if (encryption !== null) this.set({ party: String(p.herId), purpose: 'encryption' }, encryption);
    }
  },
});

/** Points the party gauges at the registry (read at scrape time); returns the function that detaches it. */
export function usePartiesForMetrics(next: PartiesSource): () => void {
  source = next;
  return () => {
    if (source === next) source = undefined;
  };
}
