import { AlertDrafts, AlertKeys, AlertingErrorCodes, HUB_OPERATIONS, type DowntimeKindName, type DowntimeRef, type DowntimeRequest } from '@hub/alerting';
import { HubError, HubErrorCodes } from '@hub/errors';
import type { LedgerClient } from '@hub/ledger';
import { getLogger } from '@hub/observability';
import type { PartyRecord, PartyRegistry, Principal } from '@hub/registry';
import type { AlertOutbox } from './alert.outbox.js';
import { partyDownGauge } from './alerting.metrics.js';
import type { Clock } from './alerting.tokens.js';

/** A downtime as the API shows it. */
export interface DowntimeView {
  id: string;
  partyHerId: number;
  partyName: string | null;
  kind: DowntimeKindName;
  reason: string;
  startsAt: string;
  expectedEnd: string | null;
  endedAt: string | null;
  declaredBy: string;
}

interface DowntimeRow {
  id: bigint;
  partyHerId: number;
  kind: string;
  reason: string;
  startsAt: Date;
  expectedEnd: Date | null;
  endedAt: Date | null;
  declaredBy: string;
}

const DECLARED_KINDS = ['PLANNED', 'UNPLANNED'];

function dbError(err: unknown): never {
  if (err instanceof HubError) throw err;
  throw new HubError(HubErrorCodes.DependencyUnavailable, `downtime store: ${(err as Error).message}`, { retriable: true, cause: err });
}

/**
 * Planned, unplanned and suspected downtime. Declaring one marks the party DOWN in the
 * registry (dispatch holds its deliveries and releases them in order when it is ACTIVE
 * again) and sends a notice to every other party's meldingsansvarlig; ending it sends
 * the all-clear. Suspected downtime (silence detection) is recorded and alerted but does
 * not mark the party down: holding deliveries on a suspicion would make it worse.
 */
export class DowntimeService {
  private readonly log = getLogger(DowntimeService.name);

  constructor(
    private readonly db: LedgerClient,
    private readonly registry: PartyRegistry,
    private readonly outbox: AlertOutbox,
    private readonly clock: Clock,
  ) {}

  async declare(principal: Principal, req: DowntimeRequest): Promise<DowntimeView> {
    const party = await this.partyFor(principal, req.partyHerId);
    const now = this.clock();
    const startsAt = req.startsAt ?? now;
    let row: DowntimeRow;
    try {
      row = await this.db.downtime.create({
        data: { partyHerId: party.herId, kind: req.kind, reason: req.reason, startsAt, expectedEnd: req.expectedEnd ?? null, declaredBy: principal.credentialId },
      });
    } catch (err) {
      return dbError(err);
    }
    if (startsAt.getTime() <= now.getTime()) await this.markDown(party, row);
    this.log.info('downtime declared', { downtimeId: String(row.id), party: party.herId, kind: row.kind, startsAt: startsAt.toISOString() });
    await this.notifyOthers(party, row);
    return this.view(row, party);
  }

  async end(principal: Principal, id: string): Promise<DowntimeView> {
    const row = await this.find(id);
    const party = await this.partyFor(principal, row.partyHerId);
    const ended = await this.endRow(row, party);
    return this.view(ended, party);
  }

  async list(filter: { partyHerId?: number; open?: boolean }): Promise<DowntimeView[]> {
    let rows: DowntimeRow[];
    try {
      rows = await this.db.downtime.findMany({
        where: {
          ...(filter.partyHerId !== undefined ? { partyHerId: filter.partyHerId } : {}),
          ...(filter.open === true ? { endedAt: null } : filter.open === false ? { endedAt: { not: null } } : {}),
        },
        orderBy: { id: 'desc' },
        take: 500,
      });
    } catch (err) {
      return dbError(err);
    }
    const out: DowntimeView[] = [];
    for (const r of rows) out.push(this.view(r, await this.registry.findParty(r.partyHerId)));
    return out;
  }

  /** Planned downtime whose start has come: mark the party down. Run on a timer. */
  async activateDue(): Promise<void> {
    const now = this.clock();
    const rows = await this.db.downtime.findMany({ where: { endedAt: null, kind: { in: DECLARED_KINDS }, startsAt: { lte: now } } });
    for (const row of rows) {
      const party = await this.registry.findParty(row.partyHerId);
      if (party && party.status === 'ACTIVE') await this.markDown(party, row);
    }
    await this.refreshGauge();
  }

  /**
   * Opens a SUSPECTED downtime for a silent party unless one is open, and alerts hub
   * operations and the party once. A transaction-scoped advisory lock per party keeps
   * two replicas from opening two.
   */
  async suspect(party: PartyRecord, signal: string, since: Date): Promise<void> {
    const reason = `${signal}`.slice(0, 500);
    let row: DowntimeRow | null;
    try {
      row = await this.db.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('alerting.suspected'), ${party.herId}::int)`;
        const open = await tx.downtime.findFirst({ where: { partyHerId: party.herId, endedAt: null } });
        if (open) return null; // already suspected, or declared down: nothing new to say
        return tx.downtime.create({ data: { partyHerId: party.herId, kind: 'SUSPECTED', reason, startsAt: since, declaredBy: 'system' } });
      });
    } catch (err) {
      return dbError(err);
    }
    if (!row) return;
    this.log.warn('suspected outage', { downtimeId: String(row.id), party: party.herId, signal });
    partyDownGauge.set({ party: String(party.herId), kind: 'SUSPECTED' }, 1);
    const ref = this.ref(row, party);
    for (const to of [HUB_OPERATIONS, party.herId]) await this.outbox.raise(AlertDrafts.partySuspectedDown({ downtime: ref, to, signal }));
  }

  /** Open SUSPECTED downtimes. */
  async openSuspected(): Promise<DowntimeRow[]> {
    return this.db.downtime.findMany({ where: { endedAt: null, kind: 'SUSPECTED' } });
  }

  /** Ends a suspected downtime because the party answers again (all-clear to operations and the party). */
  async clearSuspected(row: DowntimeRow): Promise<void> {
    const party = await this.registry.findParty(row.partyHerId);
    await this.endRow(row, party);
  }

  async refreshGauge(): Promise<void> {
    const open = await this.db.downtime.findMany({ where: { endedAt: null, startsAt: { lte: this.clock() } }, select: { partyHerId: true, kind: true } });
    partyDownGauge.reset();
    for (const d of open) partyDownGauge.set({ party: String(d.partyHerId), kind: d.kind }, 1);
  }

  private async endRow(row: DowntimeRow, party: PartyRecord | null): Promise<DowntimeRow> {
    const now = this.clock();
    let ended: DowntimeRow;
    try {
      const { count } = await this.db.downtime.updateMany({ where: { id: row.id, endedAt: null }, data: { endedAt: now } });
      ended = await this.db.downtime.findUniqueOrThrow({ where: { id: row.id } });
      if (count === 0) return ended; // already ended: ending twice is a no-op
    } catch (err) {
      return dbError(err);
    }
    if (DECLARED_KINDS.includes(row.kind) && party?.status === 'DOWN') {
      const stillDown = await this.db.downtime.count({ where: { partyHerId: row.partyHerId, endedAt: null, kind: { in: DECLARED_KINDS }, startsAt: { lte: now } } });
      if (stillDown === 0) await this.registry.setStatus(row.partyHerId, 'ACTIVE', null);
    }
    partyDownGauge.set({ party: String(row.partyHerId), kind: row.kind }, 0);
    this.log.info('downtime ended', { downtimeId: String(row.id), party: row.partyHerId, kind: row.kind });
    await this.outbox.resolve({ prefix: AlertKeys.partyDownPrefix(row.id) });
    await this.outbox.resolve({ prefix: AlertKeys.partySuspectedDownPrefix(row.id) });
    return ended;
  }

  private async markDown(party: PartyRecord, row: DowntimeRow): Promise<void> {
    await this.registry.setStatus(party.herId, 'DOWN', `${row.kind} downtime ${row.id}: ${row.reason}`.slice(0, 500));
    partyDownGauge.set({ party: String(party.herId), kind: row.kind }, 1);
  }

  private async notifyOthers(party: PartyRecord, row: DowntimeRow): Promise<void> {
    const ref = this.ref(row, party);
    for (const other of await this.registry.listParties()) {
      if (other.herId === party.herId) continue;
      await this.outbox.raise(AlertDrafts.partyDown({ downtime: ref, to: other.herId }));
    }
  }

  private async find(id: string): Promise<DowntimeRow> {
    if (!/^\d{1,18}$/.test(id)) throw new HubError(AlertingErrorCodes.DowntimeNotFound, `no downtime ${id}`);
    let row: DowntimeRow | null;
    try {
      row = await this.db.downtime.findUnique({ where: { id: BigInt(id) } });
    } catch (err) {
      return dbError(err);
    }
    if (!row) throw new HubError(AlertingErrorCodes.DowntimeNotFound, `no downtime ${id}`);
    return row;
  }

  /** The party a request names; a party principal may act only for itself. */
  private async partyFor(principal: Principal, herId: number): Promise<PartyRecord> {
    const party = await this.registry.findByAnyHerId(herId);
    if (!party) throw new HubError(AlertingErrorCodes.UnknownParty, `no party with HER-id ${herId}`, { metadata: { herId } });
    if (principal.role === 'PARTY' && principal.partyHerId !== party.herId) {
      throw new HubError(AlertingErrorCodes.ForbiddenParty, `this credential may not declare or end downtime for HER-id ${herId}`, { metadata: { herId } });
    }
    return party;
  }

  private ref(row: DowntimeRow, party: PartyRecord): DowntimeRef {
    return {
      id: row.id,
      party: { herId: party.herId, name: party.name },
      kind: row.kind as DowntimeKindName,
      reason: row.reason,
      startsAt: row.startsAt,
      expectedEnd: row.expectedEnd,
    };
  }

  private view(row: DowntimeRow, party: PartyRecord | null): DowntimeView {
    return {
      id: String(row.id),
      partyHerId: row.partyHerId,
      partyName: party?.name ?? null,
      kind: row.kind as DowntimeKindName,
      reason: row.reason,
      startsAt: row.startsAt.toISOString(),
      expectedEnd: row.expectedEnd?.toISOString() ?? null,
      endedAt: row.endedAt?.toISOString() ?? null,
      declaredBy: row.declaredBy,
    };
  }
}
