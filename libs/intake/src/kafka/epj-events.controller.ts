import { Controller, Inject, type Type } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type EpjMessageEvent, type HubEventMap } from '@hub/contracts';
import type { HubEvent } from '@hub/kafka';
import { getLogger } from '@hub/observability';
import { IntakeErrorCodes, intakeError } from '../intake.errors.js';
import { MessageIntake } from '../message-intake.service.js';
import { assertNoPersonIdInHeaders } from '../person-id.headers.js';

/**
 * Largest EPJ event taken from the topic, bytes of its JSON: an event is a few kB of structured
 * content (the documents are built here), so anything near this is a mistake or an attack. Far
 * below the topics' record limit (MAX_RECORD_BYTES), so a refused event still fits on the
 * dead-letter topic with its headers and the refusal cannot block the partition.
 */
export const EPJ_EVENT_MAX_BYTES = 512 * 1024;

/**
 * The consumer of `hub.epj-events.v1`: the same JSON events as `POST /v1/messages`, with the
 * same handling and idempotency (key = the event's idempotencyKey). The sender HER-id must
 * belong to a registered party whose EPJ integration the broker lets write this topic (see
 * MessageIntake.partyPrincipalOf). Bad input is a non-retriable HubError (→ dead-letter topic with its
 * code); ledger or broker trouble is retriable (→ retried, the offset stays).
 *
 * A factory so a test can point the handler at a fresh topic; the service uses the catalogue's.
 */
export function epjEventsController(topic: string = Topics.EpjEvents.name): Type {
  @Controller()
  class EpjEventsController {
    private readonly log = getLogger('EpjEventsController');

    constructor(@Inject(MessageIntake) private readonly intake: MessageIntake) {}

    @EventPattern<Pick<HubEventMap, typeof Topics.EpjEvents.name>>(topic as typeof Topics.EpjEvents.name)
    async onEpjEvent(@Payload() event: EpjMessageEvent, @Ctx() context?: unknown): Promise<void> {
      // Hostile or careless producers: refused (→ dead-letter with the code) before any work.
      const record = context as HubEvent<unknown> | undefined;
      if (record?.headers) assertNoPersonIdInHeaders(record.headers, record.key);
      const size = Buffer.byteLength(JSON.stringify(event) ?? '', 'utf8');
      if (size > EPJ_EVENT_MAX_BYTES) {
        throw intakeError(IntakeErrorCodes.TooLarge, `the event is ${size} bytes, more than ${EPJ_EVENT_MAX_BYTES}`, { kodeverk8221: 'T99', details: { limitBytes: EPJ_EVENT_MAX_BYTES } });
      }
      const receipt = await this.intake.submitEvent(null, event, undefined, 'kafka');
      this.log.info('epj event accepted', { msgId: receipt.msgId, conversationId: receipt.conversationId });
    }
  }
  return EpjEventsController;
}
