import { Controller, Get, Inject, Param, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { BearerAuthGuard, HubErrorHttpFilter, RateLimitGuard } from '@hub/api-auth';
import { PartyRegistry, type PartyRecord } from '@hub/registry';
import { IntakeErrorCodes, intakeError } from '../intake.errors.js';
import { ErrorDto, PartyDto } from './intake.dto.js';
import { PersonIdHeaderGuard } from './person-id-header.guard.js';

/** Registry data any authenticated caller may read: no credentials, no webhook URL (it may hold a secret). */
export function publicParty(p: PartyRecord) {
  return {
    herId: p.herId,
    name: p.name,
    kind: p.kind,
    orgNumber: p.orgNumber,
    epjSystem: p.epjSystem,
    transport: p.transport,
    meldingsansvarligEmail: p.meldingsansvarligEmail,
    status: p.status,
    statusReason: p.statusReason,
    testData: p.testData,
    signingCertPem: p.signingCertPem,
    encryptionCertPem: p.encryptionCertPem,
    services: p.services.map((s) => ({ herId: s.herId, name: s.name })),
  };
}

/** `GET /v1/parties`, `GET /v1/parties/{herId}`: the partner registry (simulators and adapters read it). */
@ApiTags('parties')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorDto })
@UseGuards(BearerAuthGuard, RateLimitGuard, PersonIdHeaderGuard)
@UseFilters(HubErrorHttpFilter)
@Controller('v1/parties')
export class PartiesController {
  constructor(@Inject(PartyRegistry) private readonly registry: PartyRegistry) {}

  @Get()
  @ApiOperation({ summary: 'Every party with its services and certificates' })
  @ApiOkResponse({ type: [PartyDto] })
  async list() {
    return (await this.registry.listParties()).map(publicParty);
  }

  @Get(':herId')
  @ApiOperation({ summary: 'The party owning a HER-id (organisation or service HER-id)' })
  @ApiOkResponse({ type: PartyDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'REGISTRY.UNKNOWN_PARTY' })
  async get(@Param('herId') herId: string) {
    if (!/^\d{1,9}$/.test(herId)) throw intakeError(IntakeErrorCodes.InvalidEvent, 'herId must be a HER-id (1-9 digits)', { details: { field: 'herId' } });
    return publicParty(await this.registry.requireParty(Number(herId)));
  }
}
