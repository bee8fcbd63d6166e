import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, UseFilters, UseGuards } from '@nestjs/common';
import { AlertingErrorCodes, parseDowntimeRequest } from '@hub/alerting';
import { BearerAuthGuard, CurrentPrincipal, HubErrorHttpFilter } from '@hub/api-auth';
import { HubError } from '@hub/errors';
import type { Principal } from '@hub/registry';
import { AlertStore, type AlertRow } from './alert.store.js';
import { DowntimeService, type DowntimeView } from './downtime.service.js';

/** HTTP status per alerting error code (auth codes are mapped by the filter itself). */
export const ALERTING_HTTP_STATUS: Record<string, number> = {
  [AlertingErrorCodes.BadDowntimeRequest]: 400,
  [AlertingErrorCodes.BadQuery]: 400,
  [AlertingErrorCodes.DowntimeNotFound]: 404,
  [AlertingErrorCodes.UnknownParty]: 404,
  [AlertingErrorCodes.ForbiddenParty]: 403,
};

function herIdParam(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new HubError(AlertingErrorCodes.BadQuery, `${name} must be a HER-id`);
  return Number(value);
}

function boolParam(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value !== 'true' && value !== 'false') throw new HubError(AlertingErrorCodes.BadQuery, `${name} must be true or false`);
  return value === 'true';
}

/** An alert as the API shows it (delivery details included: operators need them). */
export interface AlertView {
  id: string;
  dedupeKey: string;
  condition: string;
  partyHerId: number;
  msgId: string | null;
  severity: string;
  subject: string;
  body: string;
  createdAt: string;
  sentAt: string | null;
  lastReminderAt: string | null;
  resolvedAt: string | null;
  allClearSentAt: string | null;
  delivery: unknown;
}

function alertView(a: AlertRow): AlertView {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: String(a.id),
    dedupeKey: a.dedupeKey,
    condition: a.condition,
    partyHerId: a.partyHerId,
    msgId: a.msgId,
    severity: a.severity,
    subject: a.subject,
    body: a.body,
    createdAt: a.createdAt.toISOString(),
    sentAt: iso(a.sentAt),
    lastReminderAt: iso(a.lastReminderAt),
    resolvedAt: iso(a.resolvedAt),
    allClearSentAt: iso(a.allClearSentAt),
    delivery: a.delivery,
  };
}

/** `/v1/alerts` (history) and `/v1/downtime` (declare, end, list). Bearer auth on every call. */
@Controller('v1')
@UseGuards(BearerAuthGuard)
@UseFilters(HubErrorHttpFilter)
export class AlertingHttpController {
  constructor(
    @Inject(AlertStore) private readonly alerts: AlertStore,
    @Inject(DowntimeService) private readonly downtime: DowntimeService,
  ) {}

  /** Alert history: operators see all, a party only the alerts sent to it. */
  @Get('alerts')
  async listAlerts(
    @CurrentPrincipal() principal: Principal,
    @Query('party') party?: string,
    @Query('condition') condition?: string,
    @Query('open') open?: string,
  ): Promise<{ alerts: AlertView[] }> {
    const requested = herIdParam(party, 'party');
    const partyHerId = principal.role === 'OPERATOR' ? requested : principal.partyHerId;
    if (principal.role === 'PARTY' && requested !== undefined && !principal.herIds.has(requested)) {
      throw new HubError(AlertingErrorCodes.ForbiddenParty, 'a party may read only its own alerts');
    }
    const rows = await this.alerts.list({ partyHerId, condition: condition || undefined, open: boolParam(open, 'open') });
    return { alerts: rows.map(alertView) };
  }

  @Post('downtime')
  @HttpCode(201)
  async declareDowntime(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<DowntimeView> {
    return this.downtime.declare(principal, parseDowntimeRequest(body));
  }

  @Post('downtime/:id/end')
  @HttpCode(200)
  async endDowntime(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<DowntimeView> {
    return this.downtime.end(principal, id);
  }

  /** Every party may see every downtime: each was told about it anyway. */
  @Get('downtime')
  async listDowntime(@Query('party') party?: string, @Query('open') open?: string): Promise<{ downtime: DowntimeView[] }> {
    return { downtime: await this.downtime.list({ partyHerId: herIdParam(party, 'party'), open: boolParam(open, 'open') }) };
  }
}
