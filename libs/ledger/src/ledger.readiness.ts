import type { LedgerClient } from './ledger-client.factory.js';
import type { ReadinessCheck } from '@hub/observability';

/** Readiness: the ledger database answers `SELECT 1` within the timeout. */
export function ledgerReadiness(db: LedgerClient, timeoutMs = 3000): ReadinessCheck {
  return {
    name: 'database',
    async check() {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          db.$queryRaw`SELECT 1`,
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer from the database within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
