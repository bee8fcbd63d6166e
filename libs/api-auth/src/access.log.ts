import type { LedgerClient } from '@hub/ledger';
import type { Principal } from '@hub/registry';

/**
 * Records who read which message and how (trace, conversation, PDF), refused reads
 * included. Append-only: the API offers no way to change or delete entries.
 */
export class AccessLog {
  constructor(private readonly db: LedgerClient) {}

  async record(principal: Principal, action: string, outcome: string, msgId?: string | null): Promise<void> {
    await this.db.accessLog.create({
      data: {
        msgId: msgId && /^[0-9a-f-]{36}$/i.test(msgId) ? msgId : null,
        credentialId: principal.credentialId,
        role: principal.role,
        partyHerId: principal.role === 'PARTY' ? principal.partyHerId : null,
        action,
        outcome,
      },
    });
  }
}
