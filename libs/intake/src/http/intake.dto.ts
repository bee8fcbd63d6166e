import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

// Response and request shapes for the OpenAPI document. The handlers return plain objects of
// these shapes; the classes exist so @nestjs/swagger can describe them.

export class AcceptedDto {
  @ApiProperty({ format: 'uuid', description: 'MsgHead MsgId (assigned by intake for JSON events)' })
  msgId!: string;
  @ApiProperty({ description: 'Conversation (dialog) id: RefToConversation, or the MsgId of the first message' })
  conversationId!: string;
  @ApiProperty({ enum: ['ACCEPTED'] })
  status!: 'ACCEPTED';
}

export class ErrorDto {
  @ApiProperty({ example: 'INTAKE.NOT_XML', description: 'Stable, namespaced error code' })
  code!: string;
  @ApiProperty({ description: 'Human-readable reason (person numbers masked)' })
  message!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { kodeverk8221: 'T01' } })
  details!: Record<string, unknown>;
}

export class EventPatientDto {
  @ApiProperty({ description: 'Fødselsnummer, D-nummer or H-nummer (11 digits)', example: '15076500565' })
  id!: string;
  @ApiPropertyOptional()
  givenName?: string;
  @ApiPropertyOptional()
  familyName?: string;
}

export class EpjMessageEventDto {
  @ApiPropertyOptional({ description: 'Caller id of the event; used as the idempotency key (the Idempotency-Key header must equal it when both are sent)' })
  idempotencyKey?: string;
  @ApiProperty({ description: 'Kodeverk 8279 message type', example: 'LOG_INNLAGT' })
  type!: string;
  @ApiProperty({ example: '9100001', description: "The sender's HER-id (organisation or one of its services); must be the caller's" })
  senderHerId!: string;
  @ApiProperty({ type: [String], example: ['9100101'], description: 'First = Receiver, the rest = OtherReceiver (copies)' })
  receiverHerIds!: string[];
  @ApiPropertyOptional({ description: 'Conversation this message continues (RefToConversation); RefToParent is the previous message' })
  conversationId?: string;
  @ApiProperty({ type: EventPatientDto })
  patient!: EventPatientDto;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'LOG_*: {hendelser?: [{kode?, beskrivelse?, tidspunkt?, anslag?}], utskrevetTil?: {v, dn?}}; DIALOG_*: {notater?|foresporsler?}; ' +
      'any type: {payloadXml: "<payload root element>"} (required for reports); forsendelsesstatus?: N|M|C; version?: 1.6|1.5',
    example: { hendelser: [{ beskrivelse: 'Innlagt medisinsk avdeling', tidspunkt: '2026-03-01T10:00:00' }] },
  })
  content!: Record<string, unknown>;
}

export class LedgerEventDto {
  @ApiProperty() id!: string;
  @ApiProperty({ format: 'uuid' }) msgId!: string;
  @ApiProperty({ example: 'accepted' }) stage!: string;
  @ApiProperty({ enum: ['SUCCEEDED', 'RETRYING', 'FAILED'] }) outcome!: string;
  @ApiPropertyOptional({ nullable: true }) errorCode!: string | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true }) detail!: unknown;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
}

export class LedgerMessageDto {
  @ApiProperty({ format: 'uuid' }) msgId!: string;
  @ApiProperty() conversationId!: string;
  @ApiProperty() msgType!: string;
  @ApiProperty() version!: string;
  @ApiProperty() senderHerId!: number;
  @ApiProperty({ type: [Number] }) receiverHerIds!: number[];
  @ApiProperty({ enum: ['ACCEPTED', 'DELIVERED', 'ACKNOWLEDGED', 'REJECTED', 'FAILED'] }) status!: string;
  @ApiPropertyOptional({ nullable: true, format: 'date-time' }) genDate?: string | null;
  @ApiPropertyOptional({ nullable: true }) forsendelsesstatus?: string | null;
  @ApiPropertyOptional({ nullable: true, format: 'uuid' }) refToParent?: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class MessageTraceDto {
  @ApiProperty({ type: LedgerMessageDto }) message!: LedgerMessageDto;
  @ApiProperty({ type: [LedgerEventDto], description: 'Every stage, in the order it happened' }) events!: LedgerEventDto[];
}

export class ConversationMessageDto {
  @ApiProperty({ format: 'uuid' }) msgId!: string;
  @ApiProperty() msgType!: string;
  @ApiProperty() version!: string;
  @ApiProperty() senderHerId!: number;
  @ApiProperty({ type: [Number] }) receiverHerIds!: number[];
  @ApiProperty() status!: string;
  @ApiPropertyOptional({ nullable: true }) forsendelsesstatus!: string | null;
  @ApiPropertyOptional({ nullable: true }) refToParent!: string | null;
  @ApiPropertyOptional({ nullable: true, format: 'date-time' }) genDate!: string | null;
  @ApiProperty({ format: 'date-time' }) acceptedAt!: string;
}

export class ConversationDto {
  @ApiProperty() conversationId!: string;
  @ApiProperty({ type: [ConversationMessageDto], description: 'In the order intake accepted them' }) messages!: ConversationMessageDto[];
}

export class PartyServiceDto {
  @ApiProperty() herId!: number;
  @ApiProperty() name!: string;
}

export class PartyDto {
  @ApiProperty({ description: 'Organisation HER-id (test value while testData is true)' }) herId!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['HOSPITAL', 'MUNICIPALITY', 'GP_OFFICE'] }) kind!: string;
  @ApiPropertyOptional({ nullable: true }) orgNumber!: string | null;
  @ApiProperty({ example: 'Gerica' }) epjSystem!: string;
  @ApiProperty({ example: 'hub-inbox' }) transport!: string;
  @ApiProperty() meldingsansvarligEmail!: string;
  @ApiProperty({ enum: ['ACTIVE', 'DOWN', 'SUSPENDED'] }) status!: string;
  @ApiPropertyOptional({ nullable: true }) statusReason!: string | null;
  @ApiProperty() testData!: boolean;
  @ApiPropertyOptional({ nullable: true, description: 'PEM' }) signingCertPem!: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'PEM' }) encryptionCertPem!: string | null;
  @ApiProperty({ type: [PartyServiceDto] }) services!: PartyServiceDto[];
}
