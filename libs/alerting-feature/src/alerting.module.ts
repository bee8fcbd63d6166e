import { Inject, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PARTY_REGISTRY, apiAuthProviders } from '@hub/api-auth';
import { KafkaModule, kafkaReadiness, type Kafka } from '@hub/kafka';
import { createLedgerClient, type LedgerClient } from '@hub/ledger';
import { ObservabilityModule } from '@hub/observability';
import { PartyRegistry } from '@hub/registry';
import { AlertChannels } from './alert.channels.js';
import { AlertEventsController } from './alert.events.controller.js';
import { AlertOutbox } from './alert.outbox.js';
import { AlertStore } from './alert.store.js';
import type { AlertingConfig } from './alerting.settings.js';
import { ALERTING_HTTP_STATUS, AlertingHttpController } from './alerting.http.controller.js';
import { ALERTING_CLOCK, ALERTING_CONFIG, ALERTING_DB, type Clock } from './alerting.tokens.js';
import { CertificateExpiryScanner } from './certificate-expiry.scanner.js';
import { DowntimeService } from './downtime.service.js';
import { usePartiesForMetrics } from './party.metrics.js';
import { MessageContextReader } from './message-context.reader.js';
import { SilenceDetector } from './silence.detector.js';

export interface AlertingModuleOptions {
  config: AlertingConfig;
  kafka: Kafka;
  /** Defaults to the wall clock; tests move time with their own. */
  clock?: Clock;
  /** Start the retry, certificate and silence timers (default true). */
  timers?: boolean;
}

/** Starts and stops the timers with the app; closes the database pool last. */
class AlertingLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(AlertOutbox) private readonly outbox: AlertOutbox,
    @Inject(CertificateExpiryScanner) private readonly certs: CertificateExpiryScanner,
    @Inject(SilenceDetector) private readonly silence: SilenceDetector,
    @Inject(AlertChannels) private readonly channels: AlertChannels,
    @Inject(ALERTING_DB) private readonly db: LedgerClient,
    @Inject('ALERTING_TIMERS') private readonly timers: boolean,
    @Inject(PARTY_REGISTRY) private readonly registry: PartyRegistry,
  ) {}

  private detachMetrics?: () => void;

  onApplicationBootstrap(): void {
    this.detachMetrics = usePartiesForMetrics(() => this.registry.listParties());
    if (!this.timers) return;
    this.outbox.start();
    this.certs.start();
    this.silence.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.detachMetrics?.();
    await Promise.all([this.outbox.stop(), this.certs.stop(), this.silence.stop()]);
    this.channels.close();
    await this.db.$disconnect();
  }
}

/**
 * The alerting service: event handlers (rejected, refused, dispatch-failed, receipt
 * status), the alert outbox with retries, reminders and all-clears, the certificate
 * expiry scan, downtime and silence detection, and the `/v1/alerts` and `/v1/downtime` API.
 */
@Module({})
export class AlertingModule {
  static forRoot(opts: AlertingModuleOptions): DynamicModule {
    const { config } = opts;
    const clock: Clock = opts.clock ?? (() => new Date());
    return {
      module: AlertingModule,
      imports: [
        KafkaModule.forRoot({ kafka: opts.kafka, producerName: 'alerting' }),
        ObservabilityModule.forRoot({ service: 'alerting', readiness: { useFactory: () => [kafkaReadiness(opts.kafka)] } }),
      ],
      controllers: [AlertEventsController, AlertingHttpController],
      providers: [
        { provide: ALERTING_CONFIG, useValue: config },
        { provide: ALERTING_CLOCK, useValue: clock },
        { provide: 'ALERTING_TIMERS', useValue: opts.timers ?? true },
        { provide: ALERTING_DB, useFactory: () => createLedgerClient(config.databaseUrl, { poolSize: 5 }) },
        { provide: PARTY_REGISTRY, inject: [ALERTING_DB], useFactory: (db: LedgerClient) => new PartyRegistry(db, { cacheTtlMs: 5000, now: () => clock().getTime() }) },
        { provide: AlertStore, inject: [ALERTING_DB], useFactory: (db: LedgerClient) => new AlertStore(db) },
        ...apiAuthProviders({ service: 'alerting', db: ALERTING_DB, statusByCode: ALERTING_HTTP_STATUS }),
        {
          provide: AlertChannels,
          useFactory: () => new AlertChannels({ smtpUrl: config.smtpUrl, from: config.alertFrom, webhookTimeoutMs: config.webhookTimeoutMs, now: clock }),
        },
        {
          provide: AlertOutbox,
          inject: [AlertStore, AlertChannels, PARTY_REGISTRY],
          useFactory: (store: AlertStore, channels: AlertChannels, registry: PartyRegistry) =>
            new AlertOutbox(store, channels, registry, clock, {
              operationsEmail: config.operationsEmail,
              reminderAfterMs: config.reminderAfterMs,
              retryIntervalMs: config.retryIntervalMs,
            }),
        },
        {
          provide: MessageContextReader,
          inject: [ALERTING_DB, PARTY_REGISTRY],
          useFactory: (db: LedgerClient, registry: PartyRegistry) => new MessageContextReader(db, registry),
        },
        {
          provide: DowntimeService,
          inject: [ALERTING_DB, PARTY_REGISTRY, AlertOutbox],
          useFactory: (db: LedgerClient, registry: PartyRegistry, outbox: AlertOutbox) => new DowntimeService(db, registry, outbox, clock),
        },
        {
          provide: CertificateExpiryScanner,
          inject: [PARTY_REGISTRY, AlertOutbox],
          useFactory: (registry: PartyRegistry, outbox: AlertOutbox) => new CertificateExpiryScanner(registry, outbox, clock, config.certScanIntervalMs),
        },
        {
          provide: SilenceDetector,
          inject: [ALERTING_DB, PARTY_REGISTRY, DowntimeService],
          useFactory: (db: LedgerClient, registry: PartyRegistry, downtime: DowntimeService) =>
            new SilenceDetector(db, registry, downtime, opts.kafka, clock, {
              silenceAfterMs: config.silenceAfterMs,
              intervalMs: config.silenceScanIntervalMs,
              inboxConsumerGroups: config.inboxConsumerGroups,
            }),
        },
        AlertingLifecycle,
      ],
    };
  }
}
