import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiConsumes, ApiConflictResponse, ApiExtraModels, ApiForbiddenResponse, ApiHeader, ApiNotFoundResponse,
  ApiOkResponse, ApiOperation, ApiPayloadTooLargeResponse, ApiBadRequestResponse, ApiServiceUnavailableResponse, ApiTags,
  ApiTooManyRequestsResponse, ApiUnauthorizedResponse, ApiUnsupportedMediaTypeResponse, getSchemaPath,
} from '@nestjs/swagger';
import { BearerAuthGuard, CurrentPrincipal, HubErrorHttpFilter, RateLimitGuard } from '@hub/api-auth';
import type { Principal } from '@hub/registry';
import { IntakeErrorCodes, intakeError } from '../intake.errors.js';
import { MessageIntake, type IntakeReceipt } from '../message-intake.service.js';
import { AcceptedDto, ConversationDto, EpjMessageEventDto, ErrorDto, MessageTraceDto } from './intake.dto.js';
import { RequestBodyGuard, isJsonType, isXmlType, type BodyCarrier } from './request-body.reader.js';
import { PersonIdHeaderGuard } from './person-id-header.guard.js';

/** `POST /v1/messages`, `GET /v1/messages/{msgId}`, `GET /v1/conversations/{id}`. */
@ApiTags('messages')
@ApiBearerAuth()
@ApiExtraModels(EpjMessageEventDto)
@ApiUnauthorizedResponse({ type: ErrorDto, description: 'AUTH.MISSING or AUTH.INVALID' })
@ApiTooManyRequestsResponse({ type: ErrorDto, description: 'AUTH.RATE_LIMITED: over the per-party rate limit; Retry-After says when to try again' })
@UseGuards(BearerAuthGuard, RateLimitGuard, PersonIdHeaderGuard)
@UseFilters(HubErrorHttpFilter)
@Controller('v1')
export class MessagesController {
  constructor(@Inject(MessageIntake) private readonly intake: MessageIntake) {}

  @Post('messages')
  @HttpCode(202)
  @UseGuards(RequestBodyGuard)
  @ApiOperation({
    summary: 'Submit a message',
    description:
      'Either a complete MsgHead document or a standalone AppRec (`application/xml`), or a typed JSON event (`application/json`) that intake ' +
      'builds into a MsgHead (MsgId, GenDate and ConversationRef assigned from the conversation state). Recorded in the ledger before the 202. ' +
      'The sender must be one of the caller\'s HER-ids. Schema and business validation happen after acceptance (see the trace).',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key + same body from the same party → the first answer again; another body → 409' })
  @ApiConsumes('application/json', 'application/xml')
  @ApiBody({
    required: true,
    description: 'application/json: an EPJ event (below); application/xml: a MsgHead v1.2 document or an AppRec v1.0/v1.1',
    schema: { oneOf: [{ $ref: getSchemaPath(EpjMessageEventDto) }, { type: 'string', format: 'xml' }] },
  })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiBadRequestResponse({
    type: ErrorDto,
    description: 'INTAKE.NOT_XML (T01), INTAKE.XML_REFUSED (T99: DOCTYPE, nesting), INTAKE.INVALID_MSG_ID (E10), INTAKE.UNSUPPORTED_DOCUMENT (T10), INTAKE.INVALID_EVENT, INTAKE.PERSON_ID_IN_HEADER',
  })
  @ApiForbiddenResponse({
    type: ErrorDto,
    description: 'AUTH.FORBIDDEN_SENDER: the sender HER-id is not the caller\'s; AUTH.FORBIDDEN_CONVERSATION: the event continues a conversation the caller takes no part in',
  })
  @ApiConflictResponse({ type: ErrorDto, description: 'INTAKE.IDEMPOTENCY_CONFLICT or INTAKE.MSGID_REPLAY' })
  @ApiPayloadTooLargeResponse({ type: ErrorDto, description: 'INTAKE.TOO_LARGE' })
  @ApiUnsupportedMediaTypeResponse({ type: ErrorDto, description: 'INTAKE.UNSUPPORTED_MEDIA_TYPE (T10)' })
  @ApiServiceUnavailableResponse({ type: ErrorDto, description: 'INTAKE.PUBLISH_FAILED / INTAKE.UNAVAILABLE: retry with the same Idempotency-Key or MsgId' })
  async submit(
    @CurrentPrincipal() principal: Principal,
    @Req() req: BodyCarrier,
    @Headers('content-type') contentType: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
  ): Promise<IntakeReceipt> {
    if (isXmlType(contentType)) return this.intake.submitXml(principal, req.rawBody ?? Buffer.alloc(0), idempotencyKey, 'rest');
    if (isJsonType(contentType)) return this.intake.submitEvent(principal, body, idempotencyKey, 'rest');
    throw intakeError(IntakeErrorCodes.UnsupportedMediaType, 'send application/xml (MsgHead or AppRec) or application/json (an EPJ event)', {
      kodeverk8221: 'T10',
      details: { contentType: contentType ?? null },
    });
  }

  @Get('messages/:msgId')
  @ApiOperation({ summary: 'The trace of a message: the ledger row and every stage with time and outcome' })
  @ApiOkResponse({ type: MessageTraceDto })
  @ApiForbiddenResponse({ type: ErrorDto, description: 'AUTH.FORBIDDEN_READ: the caller is neither sender nor receiver' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'INTAKE.UNKNOWN_MESSAGE' })
  trace(@CurrentPrincipal() principal: Principal, @Param('msgId') msgId: string) {
    return this.intake.trace(principal, msgId);
  }

  @Get('conversations/:conversationId')
  @ApiOperation({ summary: 'The chain of a conversation: its messages in order, with status' })
  @ApiOkResponse({ type: ConversationDto })
  @ApiForbiddenResponse({ type: ErrorDto, description: 'AUTH.FORBIDDEN_READ: the caller takes no part in the conversation' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'INTAKE.UNKNOWN_CONVERSATION' })
  conversation(@CurrentPrincipal() principal: Principal, @Param('conversationId') conversationId: string) {
    return this.intake.conversation(principal, conversationId);
  }
}
