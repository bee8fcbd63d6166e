import { AlertDrafts, certificateExpiryFindings } from '@hub/alerting';
import { getLogger } from '@hub/observability';
import type { PartyRegistry } from '@hub/registry';
import type { AlertOutbox } from './alert.outbox.js';
import type { Clock } from './alerting.tokens.js';

/**
 * Daily scan over every party's signing and encryption certificate: one warning per
 * (party, certificate, threshold) at 30, 14, 7 and 1 days, and one once expired. The
 * dedupe key makes repeated scans and several replicas harmless.
 */
export class CertificateExpiryScanner {
  private readonly log = getLogger(CertificateExpiryScanner.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  /** Completed scans since start (for operators and tests). */
  scans = 0;

  constructor(
    private readonly registry: PartyRegistry,
    private readonly outbox: AlertOutbox,
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  /** One scan; returns how many new warnings it raised. */
  async scan(): Promise<number> {
    if (this.running) return this.running;
    this.running = (async () => {
      const parties = await this.registry.listParties();
      let raised = 0;
      for (const f of certificateExpiryFindings(parties, this.clock())) {
        const party = parties.find((p) => p.herId === f.herId)!;
        const { created } = await this.outbox.raise(AlertDrafts.certificateExpiring({ finding: f, party: { herId: party.herId, name: party.name } }));
        if (created) raised++;
      }
      this.scans++;
      this.log.info('certificate scan done', { parties: parties.length, raised });
      return raised;
    })();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  start(): void {
    const run = () => void this.scan().catch((err: Error) => this.log.warn('certificate scan failed, next scan retries', { error: err.message }));
    run();
    this.timer = setInterval(run, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }
}
