import {
  Controller, HttpCode, Inject, Injectable, Module, Param, ParseIntPipe, Post, UseFilters, UseGuards,
  type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown,
} from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { z } from 'zod';
import { databaseUrl, durationMs, httpPort, setting } from '@hub/config';
import { Topics, type HubEventMap, type MessageSealed } from '@hub/contracts';
import { BearerAuthGuard, CurrentPrincipal, HubErrorHttpFilter, apiAuthProviders, assertOperator } from '@hub/api-auth';
import { Dispatcher } from '@hub/dispatch';
import { HubError } from '@hub/errors';
import { HubEventExceptionFilter, HubProducer, KafkaModule, kafkaReadiness, type Kafka } from '@hub/kafka';
import { createLedgerClient, type LedgerClient } from '@hub/ledger';
import { ObservabilityModule, getLogger } from '@hub/observability';
import { PartyRegistry, type Principal } from '@hub/registry';
import type { ServiceConfig, ServiceDefinition } from '@hub/service-host';

const settings = {
  httpPort: httpPort('DISPATCH_PORT', 3003),
  databaseUrl,
  /** How often held deliveries are checked against the registry status. */
  holdPollMs: durationMs('DISPATCH_HOLD_POLL_MS', 5000),
  /** Attempts per delivery on a transient failure before the consumer's retry (unbounded) takes over. */
  publishAttempts: setting('DISPATCH_PUBLISH_ATTEMPTS', z.coerce.number().int().min(1).max(20).default(3)),
  retryInitialMs: durationMs('DISPATCH_RETRY_INITIAL_MS', 200),
  retryMaxMs: durationMs('DISPATCH_RETRY_MAX_MS', 5000),
  /** How long a registry read is reused; a status change is seen within this time. */
  registryCacheMs: setting('DISPATCH_REGISTRY_CACHE_MS', z.coerce.number().int().min(0).default(1000)),
};
type DispatchConfig = ServiceConfig<typeof settings>;

const LEDGER_CLIENT = Symbol('LEDGER_CLIENT');

// The filter on the controller: the host's global registration comes too late for Nest.
@Controller()
@UseFilters(HubEventExceptionFilter)
class SealedMessagesHandler {
  constructor(private readonly dispatcher: Dispatcher) {}

  @EventPattern<Pick<HubEventMap, typeof Topics.MessagesSealed.name>>(Topics.MessagesSealed.name)
  async onSealed(@Payload() payload: MessageSealed): Promise<void> {
    await this.dispatcher.handleSealed(payload);
  }
}

/** HTTP status of the release API's own codes (auth codes map in the filter). */
const DISPATCH_HTTP_STATUS: Readonly<Record<string, number>> = { 'DISPATCH.UNKNOWN_PARTY': 404, 'DISPATCH.PARTY_NOT_ACTIVE': 409 };

/** Operators only: release a party's held deliveries now (the party must be ACTIVE). */
@Controller('v1/parties')
@UseGuards(BearerAuthGuard)
@UseFilters(HubErrorHttpFilter)
class ReleaseController {
  constructor(private readonly dispatcher: Dispatcher, private readonly registry: PartyRegistry) {}

  @Post(':herId/release')
  @HttpCode(200)
  async release(@CurrentPrincipal() principal: Principal, @Param('herId', ParseIntPipe) herId: number): Promise<{ herId: number; released: number }> {
    assertOperator(principal);
    this.registry.invalidate();
    const party = await this.registry.findParty(herId);
    if (!party) throw new HubError('DISPATCH.UNKNOWN_PARTY', `no party with HER-id ${herId}`, { metadata: { herId } });
    if (party.status !== 'ACTIVE') throw new HubError('DISPATCH.PARTY_NOT_ACTIVE', `party ${herId} is ${party.status}`, { metadata: { herId } });
    return { herId, released: await this.dispatcher.release(herId) };
  }
}

/** Polls for held deliveries whose receiver is ACTIVE again; one tick at a time. */
@Injectable()
class HoldReleasePoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = getLogger(HoldReleasePoller.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly dispatcher: Dispatcher, @Inject('HOLD_POLL_MS') private readonly pollMs: number) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.dispatcher
        .releaseAllActive()
        .then(() => undefined, (err: Error) => this.log.warn('held-delivery release failed; next tick retries', { error: err.message }))
        .finally(() => (this.running = undefined));
    }, this.pollMs);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}

@Injectable()
class Resources implements OnApplicationShutdown {
  constructor(@Inject(LEDGER_CLIENT) private readonly db: LedgerClient) {}
  async onApplicationShutdown(): Promise<void> {
    await this.db.$disconnect();
  }
}

/**
 * Dispatch: each sealed envelope to its receiver's inbox topic, once per receiver; held
 * while the receiver is DOWN, released in order when it is ACTIVE again.
 */
@Module({})
class DispatchModule {
  static forRoot(config: DispatchConfig, kafka: Kafka): DynamicModule {
    return {
      module: DispatchModule,
      imports: [
        KafkaModule.forRoot({ kafka, producerName: 'dispatch' }),
        ObservabilityModule.forRoot({ service: 'dispatch', readiness: { useFactory: () => [kafkaReadiness(kafka)] } }),
      ],
      controllers: [SealedMessagesHandler, ReleaseController],
      providers: [
        { provide: LEDGER_CLIENT, useFactory: () => createLedgerClient(config.databaseUrl) },
        { provide: 'HOLD_POLL_MS', useValue: config.holdPollMs },
        { provide: PartyRegistry, inject: [LEDGER_CLIENT], useFactory: (db: LedgerClient) => new PartyRegistry(db, { cacheTtlMs: config.registryCacheMs }) },
        {
          provide: Dispatcher,
          inject: [LEDGER_CLIENT, PartyRegistry, HubProducer],
          useFactory: (db: LedgerClient, registry: PartyRegistry, producer: HubProducer) =>
            new Dispatcher({ db, registry, producer, kafka }, { publishAttempts: config.publishAttempts, retryInitialMs: config.retryInitialMs, retryMaxMs: config.retryMaxMs }),
        },
        ...apiAuthProviders({ service: 'dispatch', db: LEDGER_CLIENT, registry: PartyRegistry, statusByCode: DISPATCH_HTTP_STATUS }),
        HoldReleasePoller,
        Resources,
      ],
    };
  }
}

export const dispatchService: ServiceDefinition<typeof settings> = {
  name: 'dispatch',
  settings,
  module: (config, kafka) => DispatchModule.forRoot(config, kafka),
  produces: [Topics.MessagesDispatched, Topics.DispatchFailed],
  consumerGroup: 'dispatch',
};
