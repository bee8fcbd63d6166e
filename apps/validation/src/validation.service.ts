import { Controller, Inject, Injectable, Module, UseFilters, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { databaseUrl, httpPort } from '@hub/config';
import { Topics, type HubEventMap, type MessageAccepted } from '@hub/contracts';
import { HubEventExceptionFilter, HubProducer, KafkaModule, kafkaReadiness, type Kafka } from '@hub/kafka';
import { MessageLedger, createLedgerClient, type LedgerClient } from '@hub/ledger';
import { ObservabilityModule } from '@hub/observability';
import { PloValidator } from '@hub/plo';
import { PartyRegistry } from '@hub/registry';
import type { ServiceConfig, ServiceDefinition } from '@hub/service-host';
import { MessageRules } from '@hub/validation-rules';
import { LedgerMessageHistory, RegistryPartyDirectory } from './ledger-history.adapter.js';
import { ValidationStage } from './validation.stage.js';

const settings = { httpPort: httpPort('VALIDATION_PORT', 3001), databaseUrl };
type ValidationConfig = ServiceConfig<typeof settings>;

const LEDGER_CLIENT = Symbol('LEDGER_CLIENT');
const VALIDATOR = Symbol('PLO_VALIDATOR');

// The filter on the controller, not only through the host: the host's global registration
// comes after the microservice is initialised, and Nest then ignores it (its warning says so),
// which would turn every HubError into HUB.UNHANDLED.
@Controller()
@UseFilters(HubEventExceptionFilter)
class AcceptedMessagesHandler {
  constructor(private readonly stage: ValidationStage) {}

  @EventPattern<Pick<HubEventMap, typeof Topics.MessagesAccepted.name>>(Topics.MessagesAccepted.name)
  async onAccepted(@Payload() payload: MessageAccepted): Promise<void> {
    await this.stage.handle(payload);
  }
}

/** Closes the pool and frees the validator's wasm memory when Nest shuts down. */
@Injectable()
class Resources implements OnApplicationShutdown {
  constructor(@Inject(LEDGER_CLIENT) private readonly db: LedgerClient, @Inject(VALIDATOR) private readonly validator: PloValidator) {}
  async onApplicationShutdown(): Promise<void> {
    this.validator.dispose();
    await this.db.$disconnect();
  }
}

/**
 * Validation: schemas and business rules for every accepted message; publishes
 * MessageValidated or MessageRejected (kodeverk 8221 codes).
 */
@Module({})
class ValidationModule {
  static forRoot(config: ValidationConfig, kafka: Kafka): DynamicModule {
    return {
      module: ValidationModule,
      imports: [
        KafkaModule.forRoot({ kafka, producerName: 'validation' }),
        ObservabilityModule.forRoot({ service: 'validation', readiness: { useFactory: () => [kafkaReadiness(kafka)] } }),
      ],
      controllers: [AcceptedMessagesHandler],
      providers: [
        { provide: LEDGER_CLIENT, useFactory: () => createLedgerClient(config.databaseUrl) },
        { provide: VALIDATOR, useFactory: () => PloValidator.create() },
        {
          provide: ValidationStage,
          inject: [LEDGER_CLIENT, VALIDATOR, HubProducer],
          useFactory: (db: LedgerClient, validator: PloValidator, producer: HubProducer) => {
            const registry = new PartyRegistry(db);
            const rules = new MessageRules({ validator, parties: new RegistryPartyDirectory(registry), history: new LedgerMessageHistory(db) });
            return new ValidationStage(rules, new MessageLedger(db), producer, registry);
          },
        },
        Resources,
      ],
    };
  }
}

export const validationService: ServiceDefinition<typeof settings> = {
  name: 'validation',
  settings,
  module: (config, kafka) => ValidationModule.forRoot(config, kafka),
  produces: [Topics.MessagesValidated, Topics.MessagesRejected],
  consumerGroup: 'validation',
};
