import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, UseFilters, UseGuards } from '@nestjs/common';
import { BearerAuthGuard, CurrentPrincipal, HubErrorHttpFilter, assertCanRead, assertOperator } from '@hub/api-auth';
import { HubError } from '@hub/errors';
import { ReceiptErrorCodes, type OffsetClock } from '@hub/receipts';
import type { Principal } from '@hub/registry';
import { RECEIPT_DB, RECEIPT_CLOCK } from './receipt-tracker.tokens.js';
import { ReceiptRepository, isUuid, type ExpectationRow } from './receipt.repository.js';
import type { LedgerClient } from '@hub/ledger';

/** HTTP status of the receipt API's own codes (auth codes map in the filter). */
export const RECEIPTS_HTTP_STATUS: Readonly<Record<string, number>> = { [ReceiptErrorCodes.BadQuery]: 400, [ReceiptErrorCodes.NotFound]: 404, [ReceiptErrorCodes.TestClock]: 400 };

const STATUSES = ['OPEN', 'OK', 'REJECTED', 'PARTIAL', 'overdue', 'warning'] as const;
type StatusFilter = (typeof STATUSES)[number];

/** One expectation as the API shows it. */
function view(r: ExpectationRow) {
  return {
    msgId: r.msgId,
    receiverHerId: r.receiverHerId,
    senderHerId: r.senderHerId,
    conversationId: r.conversationId,
    msgType: r.msgType,
    status: r.status,
    genDate: r.genDate.toISOString(),
    openedAt: r.openedAt.toISOString(),
    warnDueAt: r.warnDueAt.toISOString(),
    overdueAt: r.overdueAt.toISOString(),
    warnedAt: r.warnedAt?.toISOString() ?? null,
    overdue: r.overdueMarkedAt !== null,
    overdueMarkedAt: r.overdueMarkedAt?.toISOString() ?? null,
    closedAt: r.closedAt?.toISOString() ?? null,
    apprecId: r.apprecId,
    errors: r.errors ?? [],
  };
}

/**
 * `GET /v1/receipts` and `GET /v1/receipts/{msgId}`: where each AppRec expectation stands.
 * Parties see the receipts of messages they sent or owe an AppRec for; operators see all.
 */
@Controller('v1/receipts')
@UseGuards(BearerAuthGuard)
@UseFilters(HubErrorHttpFilter)
export class ReceiptsController {
  constructor(@Inject(RECEIPT_DB) private readonly db: LedgerClient, private readonly repo: ReceiptRepository) {}

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query('status') status?: string,
    @Query('receiver') receiver?: string,
    @Query('limit') limit?: string,
  ) {
    const statusFilter = status === undefined ? undefined : STATUSES.find((s) => s.toLowerCase() === status.toLowerCase());
    if (status !== undefined && !statusFilter) {
      throw new HubError(ReceiptErrorCodes.BadQuery, `status must be one of ${STATUSES.join(', ')}`, { metadata: { status } });
    }
    if (receiver !== undefined && !/^\d{1,9}$/.test(receiver)) throw new HubError(ReceiptErrorCodes.BadQuery, 'receiver must be a HER-id', { metadata: { receiver } });
    const take = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(take) || take < 1 || take > 1000) throw new HubError(ReceiptErrorCodes.BadQuery, 'limit must be 1..1000', { metadata: { limit } });
    const rows = await this.repo.list(this.db, {
      status: statusFilter as StatusFilter | undefined,
      receiverHerId: receiver === undefined ? undefined : Number(receiver),
      visibleTo: principal.role === 'OPERATOR' ? undefined : [...principal.herIds],
      limit: take,
    });
    return { receipts: rows.map(view) };
  }

  @Get(':msgId')
  async one(@CurrentPrincipal() principal: Principal, @Param('msgId') msgId: string) {
    if (!isUuid(msgId)) throw new HubError(ReceiptErrorCodes.BadQuery, 'msgId must be a UUID', { metadata: { msgId } });
    const rows = await this.repo.forMessage(this.db, msgId);
    const unmatched = await this.repo.unmatchedFor(this.db, msgId);
    const original = await this.repo.originalMessage(this.db, msgId);
    if (rows.length === 0 && unmatched.length === 0) throw new HubError(ReceiptErrorCodes.NotFound, 'no receipts for this message', { metadata: { msgId } });
    const sender = original?.senderHerId ?? rows[0]?.senderHerId;
    assertCanRead(principal, {
      senderHerId: sender ?? -1,
      receiverHerIds: [...(original?.receiverHerIds ?? []), ...rows.map((r) => r.receiverHerId)],
    });
    return {
      msgId,
      ...(original ? { conversationId: original.conversationId, msgType: original.msgType, senderHerId: original.senderHerId, genDate: original.genDate.toISOString() } : {}),
      receipts: rows.map(view),
      unmatchedAppRecs: unmatched.map((u) => ({ apprecId: u.apprecId, senderHerId: u.senderHerId, receivedAt: u.receivedAt.toISOString(), reason: (u.detail as { reason?: string } | null)?.reason ?? null })),
    };
  }
}

/**
 * Test-only clock control, mounted only when `TEST_CLOCK_CONTROL=1` and for operators only:
 * `POST /v1/test/clock {offsetMs}` moves this replica's clock (absolute offset from real time).
 */
@Controller('v1/test/clock')
@UseGuards(BearerAuthGuard)
@UseFilters(HubErrorHttpFilter)
export class TestClockController {
  constructor(@Inject(RECEIPT_CLOCK) private readonly clock: OffsetClock) {}

  @Get()
  get(@CurrentPrincipal() principal: Principal) {
    assertOperator(principal);
    return { offsetMs: this.clock.offsetMs, now: this.clock.now().toISOString() };
  }

  @Post()
  @HttpCode(200)
  set(@CurrentPrincipal() principal: Principal, @Body() body: { offsetMs?: unknown }) {
    assertOperator(principal);
    const offsetMs = Number(body?.offsetMs);
    if (typeof body?.offsetMs !== 'number' || !Number.isFinite(offsetMs)) {
      throw new HubError(ReceiptErrorCodes.TestClock, 'body must be {"offsetMs": <number>}');
    }
    this.clock.setOffset(offsetMs);
    return { offsetMs: this.clock.offsetMs, now: this.clock.now().toISOString() };
  }
}
