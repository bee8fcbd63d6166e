import { Inject, Injectable, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown, type BeforeApplicationShutdown } from '@nestjs/common';
import { z } from 'zod';
import { PARTY_REGISTRY, apiAuthProviders } from '@hub/api-auth';
import { databaseUrl, durationMs, httpPort, setting } from '@hub/config';
import { Topics } from '@hub/contracts';
import { HubProducer, KafkaModule, kafkaReadiness, type Kafka } from '@hub/kafka';
import { createLedgerClient, type LedgerClient, ledgerReadiness } from '@hub/ledger';
import { ObservabilityModule } from '@hub/observability';
import { DEFAULT_OVERDUE_AFTER_MS, DEFAULT_WARN_AFTER_MS, OffsetClock, ReceiptDeadlinePolicy } from '@hub/receipts';
import { PartyRegistry } from '@hub/registry';
import type { ServiceConfig, ServiceDefinition } from '@hub/service-host';
import { DeadlineScanner } from './deadline.scanner.js';
import { ReceiptEventsController } from './receipt-events.controller.js';
import { ReceiptStatusPublisher } from './receipt-status.publisher.js';
import { RECEIPT_CLOCK, RECEIPT_DB } from './receipt-tracker.tokens.js';
import { ReceiptMetrics } from './receipt.metrics.js';
import { ReceiptRepository } from './receipt.repository.js';
import { ReceiptTracker } from './receipt.tracker.js';
import { RECEIPTS_HTTP_STATUS, ReceiptsController, TestClockController } from './receipts.controller.js';

const settings = {
  httpPort: httpPort('RECEIPT_TRACKER_PORT', 3004),
  databaseUrl,
  /** Early warning after this long from the original GenDate. */
  warnAfterMs: durationMs('RECEIPT_WARN_AFTER_MS', DEFAULT_WARN_AFTER_MS),
  /** Overdue (counts as a negative AppRec) this long after the original GenDate: 96 h by the standard. */
  overdueAfterMs: durationMs('RECEIPT_OVERDUE_AFTER_MS', DEFAULT_OVERDUE_AFTER_MS),
  /** How often the deadline scan runs. */
  scanIntervalMs: durationMs('RECEIPT_SCAN_INTERVAL_MS', 30_000),
  /** `1` mounts `POST /v1/test/clock` (operators only): for tests and drills, never production. */
  testClockControl: setting('TEST_CLOCK_CONTROL', z.enum(['0', '1']).default('0').transform((v) => v === '1')),
};
export type ReceiptTrackerConfig = ServiceConfig<typeof settings>;

/** Starts the deadline scanner once the app is up; stops it and closes the pool on shutdown. */
@Injectable()
class Lifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private unregisterGauges: (() => void) | undefined;

  constructor(
    private readonly scanner: DeadlineScanner,
    private readonly repo: ReceiptRepository,
    @Inject(RECEIPT_DB) private readonly db: LedgerClient,
  ) {}

  onApplicationBootstrap(): void {
    this.unregisterGauges = ReceiptMetrics.useCountsSource(() => this.repo.countsByReceiver(this.db));
    this.scanner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.scanner.stop();
    this.unregisterGauges?.();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.$disconnect();
  }
}


/**
 * Receipt tracking (issue 5): one AppRec expectation per dispatched receiver, closed by
 * the AppRec that comes back, with the early warning and the 96-hour overdue.
 */
@Module({})
class ReceiptTrackerModule {
  static forRoot(config: ReceiptTrackerConfig, kafka: Kafka): DynamicModule {
    // One pool per app; the same module object is imported twice, so Nest makes it once.
    const database: DynamicModule = {
      module: ReceiptDatabaseModule,
      providers: [{ provide: RECEIPT_DB, useValue: createLedgerClient(config.databaseUrl) }],
      exports: [RECEIPT_DB],
    };
    return {
      module: ReceiptTrackerModule,
      imports: [
        KafkaModule.forRoot({ kafka, producerName: 'receipt-tracker' }),
        ObservabilityModule.forRoot({
          service: 'receipt-tracker',
          readiness: { inject: [RECEIPT_DB], useFactory: (db: LedgerClient) => [kafkaReadiness(kafka), ledgerReadiness(db)] },
          imports: [database],
        }),
        database,
      ],
      controllers: [ReceiptEventsController, ReceiptsController, ...(config.testClockControl ? [TestClockController] : [])],
      providers: [
        { provide: RECEIPT_CLOCK, useFactory: () => new OffsetClock() },
        { provide: PARTY_REGISTRY, inject: [RECEIPT_DB], useFactory: (db: LedgerClient) => new PartyRegistry(db) },
        ...apiAuthProviders({ service: 'receipt-tracker', db: RECEIPT_DB, statusByCode: RECEIPTS_HTTP_STATUS }),
        { provide: ReceiptDeadlinePolicy, useFactory: () => new ReceiptDeadlinePolicy({ warnAfterMs: config.warnAfterMs, overdueAfterMs: config.overdueAfterMs }) },
        ReceiptRepository,
        { provide: ReceiptStatusPublisher, inject: [HubProducer], useFactory: (producer: HubProducer) => new ReceiptStatusPublisher(producer) },
        {
          provide: ReceiptTracker,
          inject: [RECEIPT_DB, ReceiptRepository, PARTY_REGISTRY, ReceiptStatusPublisher, ReceiptDeadlinePolicy, RECEIPT_CLOCK],
          useFactory: (db: LedgerClient, repo: ReceiptRepository, registry: PartyRegistry, publisher: ReceiptStatusPublisher, policy: ReceiptDeadlinePolicy, clock: OffsetClock) =>
            new ReceiptTracker(db, repo, registry, publisher, policy, clock),
        },
        {
          provide: DeadlineScanner,
          inject: [RECEIPT_DB, ReceiptRepository, ReceiptStatusPublisher, RECEIPT_CLOCK],
          useFactory: (db: LedgerClient, repo: ReceiptRepository, publisher: ReceiptStatusPublisher, clock: OffsetClock) =>
            new DeadlineScanner(db, repo, publisher, clock, config.scanIntervalMs),
        },
        Lifecycle,
      ],
    };
  }
}

@Module({})
class ReceiptDatabaseModule {}

export const receiptTrackerService: ServiceDefinition<typeof settings> = {
  name: 'receipt-tracker',
  settings,
  module: (config, kafka) => ReceiptTrackerModule.forRoot(config, kafka),
  produces: [Topics.ReceiptStatus],
  consumerGroup: 'receipt-tracker',
};
