import { Controller, Inject, type Type } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type EpjMessageEvent, type HubEventMap } from '@hub/contracts';
import { getLogger } from '@hub/observability';
import { MessageIntake } from '../message-intake.service.js';

/**
 * The consumer of `hub.epj-events.v1`: the same JSON events as `POST /v1/messages`, with the
 * same handling and idempotency (key = the event's idempotencyKey). The sender HER-id must
 * belong to a registered party; Kafka clients are not authenticated per party yet (issue 7
 * adds SASL and ACLs). Bad input is a non-retriable HubError (→ dead-letter topic with its
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
    async onEpjEvent(@Payload() event: EpjMessageEvent): Promise<void> {
      const receipt = await this.intake.submitEvent(null, event, undefined, 'kafka');
      this.log.info('epj event accepted', { msgId: receipt.msgId, conversationId: receipt.conversationId });
    }
  }
  return EpjEventsController;
}
