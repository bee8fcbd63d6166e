import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type AppRecSubmitted, type HubEventMap, type MessageDispatched } from '@hub/contracts';
import { HubEventExceptionFilter } from '@hub/kafka';
import { ReceiptTracker } from './receipt.tracker.js';

/**
 * Consumes dispatched messages (open expectations) and submitted AppRecs (close them).
 * The filter is set here as well as by the service host: on Nest 12 the host's
 * `ms.useGlobalFilters` comes after initialisation and is ignored ("Cannot apply global
 * exception filters"), and without it a HubError loses its code and retriable flag.
 */
@Controller()
@UseFilters(new HubEventExceptionFilter())
export class ReceiptEventsController {
  constructor(private readonly tracker: ReceiptTracker) {}

  @EventPattern<Pick<HubEventMap, typeof Topics.MessagesDispatched.name>>(Topics.MessagesDispatched.name)
  async onDispatched(@Payload() payload: MessageDispatched): Promise<void> {
    await this.tracker.onDispatched(payload);
  }

  @EventPattern<Pick<HubEventMap, typeof Topics.AppRecsSubmitted.name>>(Topics.AppRecsSubmitted.name)
  async onAppRec(@Payload() payload: AppRecSubmitted): Promise<void> {
    await this.tracker.onAppRec(payload);
  }
}
