import path from 'node:path';
import { Controller, Inject, Injectable, Module, UseFilters, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { z } from 'zod';
import { databaseUrl, httpPort, setting } from '@hub/config';
import { Topics, type HubEventMap, type MessageValidated } from '@hub/contracts';
import { HubEventExceptionFilter, HubProducer, KafkaModule, kafkaReadiness, type Kafka } from '@hub/kafka';
import { MessageLedger, createLedgerClient, type LedgerClient, ledgerReadiness } from '@hub/ledger';
import { ObservabilityModule } from '@hub/observability';
import { PartyRegistry } from '@hub/registry';
import { CertificateValidator, JoseKeyCache, PartyKeyRing, Sealer } from '@hub/seal';
import type { ServiceConfig, ServiceDefinition } from '@hub/service-host';
import { SealingStage } from './sealing.stage.js';

/** Where the PKI lives: `ca.cert.pem` (trust anchor) and `<herId>/…key.pem`; relative to the working directory. */
const pkiDir = setting('PKI_DIR', z.string().min(1).default('.data/pki'));

const settings = { httpPort: httpPort('CRYPTO_PORT', 3002), databaseUrl, pkiDir };
export type CryptoConfig = ServiceConfig<typeof settings>;

const LEDGER_CLIENT = Symbol('LEDGER_CLIENT');

// The filter on the controller, not only through the host: Nest ignores the host's global
// registration once the microservice is initialised, and every HubError would lose its code.
@Controller()
@UseFilters(HubEventExceptionFilter)
class ValidatedMessagesHandler {
  constructor(private readonly stage: SealingStage) {}

  @EventPattern<Pick<HubEventMap, typeof Topics.MessagesValidated.name>>(Topics.MessagesValidated.name)
  async onValidated(@Payload() payload: MessageValidated): Promise<void> {
    await this.stage.handle(payload);
  }
}

/** Closes the database pool when Nest shuts down. */
@Injectable()
class Resources implements OnApplicationShutdown {
  constructor(@Inject(LEDGER_CLIENT) private readonly db: LedgerClient) {}
  async onApplicationShutdown(): Promise<void> {
    await this.db.$disconnect();
  }
}

/**
 * Crypto: signs every validated message for its sender (JWS) and encrypts it to each
 * receiver organisation (JWE); certificate problems give MessageRefused.
 */
@Module({})
class CryptoModule {
  static forRoot(config: CryptoConfig, kafka: Kafka): DynamicModule {
    const db = createLedgerClient(config.databaseUrl);
    const dir = path.resolve(config.pkiDir);
    return {
      module: CryptoModule,
      imports: [
        KafkaModule.forRoot({ kafka, producerName: 'crypto' }),
        ObservabilityModule.forRoot({ service: 'crypto', readiness: { useFactory: () => [kafkaReadiness(kafka), ledgerReadiness(db)] } }),
      ],
      controllers: [ValidatedMessagesHandler],
      providers: [
        { provide: LEDGER_CLIENT, useValue: db },
        {
          provide: SealingStage,
          inject: [HubProducer],
          // The trust anchor is read at boot: without a CA the service stops with CRYPTO.NO_CERTIFICATE.
          useFactory: async (producer: HubProducer) => {
            const keys = new JoseKeyCache();
            return new SealingStage({
              registry: new PartyRegistry(db),
              ledger: new MessageLedger(db),
              producer,
              validator: await CertificateValidator.fromPkiDir(dir),
              keyRing: new PartyKeyRing(dir),
              sealer: new Sealer(keys),
            });
          },
        },
        Resources,
      ],
    };
  }
}

export const cryptoService: ServiceDefinition<typeof settings> = {
  name: 'crypto',
  settings,
  module: (config, kafka) => CryptoModule.forRoot(config, kafka),
  produces: [Topics.MessagesSealed, Topics.MessagesRefused],
  consumerGroup: 'crypto',
};
