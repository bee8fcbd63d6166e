import { Controller, Get, Inject, Optional, Param, Res, StreamableFile, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { ServerResponse } from 'node:http';
import { DocumentErrorCodes, ManualFallback, documentError } from '@hub/documents';
import { BearerAuthGuard, CurrentPrincipal, HubErrorHttpFilter, RateLimitGuard, httpErrorOf } from '@hub/api-auth';
import type { Principal } from '@hub/registry';
import { HTTP_STATUS_OF } from '../intake.errors.js';
import { ErrorDto } from './intake.dto.js';
import { PersonIdHeaderGuard } from './person-id-header.guard.js';

/** `GET /v1/messages/{msgId}/document.pdf`: the manual-fallback printout (docs/manual-fallback.md). */
@ApiTags('messages')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorDto, description: 'AUTH.MISSING or AUTH.INVALID' })
@UseGuards(BearerAuthGuard, RateLimitGuard, PersonIdHeaderGuard)
@UseFilters(HubErrorHttpFilter)
@Controller('v1')
export class MessageDocumentController {
  constructor(@Optional() @Inject(ManualFallback) private readonly fallback?: ManualFallback) {}

  @Get('messages/:msgId/document.pdf')
  @ApiOperation({
    summary: 'Manual fallback: the message as a readable PDF',
    description:
      'For a message that is overdue (no AppRec 96 hours after GenDate), rejected (by the hub or a receiver) or held longer than ' +
      'MANUAL_FALLBACK_HELD_AFTER_MS: a printout for manual handling, with the patient\'s person number. Operators and the ' +
      'message\'s sender and receivers only. Every call, granted or refused, is written to the access log.',
  })
  @ApiProduces('application/pdf')
  @ApiOkResponse({ description: 'The PDF (Cache-Control: no-store, Content-Disposition: attachment)', schema: { type: 'string', format: 'binary' } })
  @ApiForbiddenResponse({ type: ErrorDto, description: 'AUTH.FORBIDDEN_READ: the caller is neither sender, receiver nor operator' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'DOCUMENTS.UNKNOWN_MESSAGE, DOCUMENTS.NOT_STORED' })
  @ApiConflictResponse({ type: ErrorDto, description: 'DOCUMENTS.NOT_ELIGIBLE: not overdue, rejected or held beyond the threshold (details say why)' })
  async pdf(@CurrentPrincipal() principal: Principal, @Param('msgId') msgId: string, @Res({ passthrough: true }) res: ServerResponse): Promise<StreamableFile> {
    if (!this.fallback) throw documentError(DocumentErrorCodes.NotStored, 'this installation keeps no message documents (no DOCUMENT_KEY)');
    const { pdf, filename } = await this.fallback.pdf(principal, msgId, (err) => httpErrorOf(err, HTTP_STATUS_OF).status);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    return new StreamableFile(pdf, { type: 'application/pdf', disposition: `attachment; filename="${filename}"`, length: pdf.length });
  }
}
