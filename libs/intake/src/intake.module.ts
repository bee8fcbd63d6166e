import { Inject, Injectable, Module, Optional, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AUDIT_TRAIL, HTTP_STATUS_BY_CODE, PARTY_REGISTRY, RATE_LIMITER, apiAuthProviders, type TokenBucketOptions } from '@hub/api-auth';
import { DocumentVault, ManualFallback } from '@hub/documents';
import { HubProducer, KafkaModule, kafkaReadiness, type Kafka } from '@hub/kafka';
import { PatientKeyHasher, createLedgerClient, ledgerReadiness, type LedgerClient } from '@hub/ledger';
import { ObservabilityModule } from '@hub/observability';
import { PartyRegistry } from '@hub/registry';
import { HTTP_STATUS_OF } from './intake.errors.js';
import { INTAKE_HTTP_OPTIONS, IntakeHttpPipeline, type IntakeHttpOptions } from './http/http-pipeline.setup.js';
import { MessageDocumentController } from './http/message-document.controller.js';
import { MessagesController } from './http/messages.controller.js';
import { PartiesController } from './http/parties.controller.js';
import { BODY_LIMIT_BYTES } from './http/request-body.reader.js';
import { epjEventsController } from './kafka/epj-events.controller.js';
import { MessageIntake, type IntakeTopics } from './message-intake.service.js';
import { StalledMessageSweep } from './stalled-message.sweep.js';

export const LEDGER_CLIENT = Symbol('LEDGER_CLIENT');

/**
 * Default per-party rate limit of the intake API (INTAKE_RATE_LIMIT_PER_S, INTAKE_RATE_LIMIT_BURST):
 * far above what one EPJ integration sends and what a benchmark run of the whole hub reaches,
 * low enough that one runaway client cannot monopolise intake. docs/security.md.
 */
export const DEFAULT_INTAKE_RATE_LIMIT: Readonly<TokenBucketOptions> = { ratePerSecond: 1000, burst: 2000 };

export interface IntakeModuleOptions {
  /** The host's Kafka client (topics are created before Nest starts). */
  kafka: Kafka;
  /** Ledger/registry database; ignored when `db` is given. */
  databaseUrl: string;
  /** An existing Prisma client (tests); intake then leaves disconnecting to the caller. */
  db?: LedgerClient;
  /** HMAC secret of the ledger's patient keys (PatientKeyHasher), at least 32 bytes. */
  patientKeySecret: string;
  /** Largest request body and document, bytes (the validator's maximum, 10 MB by default). */
  bodyLimitBytes: number;
  /** Per-party token bucket of the REST API; DEFAULT_INTAKE_RATE_LIMIT when absent, off with ratePerSecond 0. */
  rateLimit?: TokenBucketOptions;
  /** Output topics; the catalogue's unless a test points elsewhere. */
  topics?: IntakeTopics;
  /** The EPJ event topic to consume; the catalogue's unless a test points elsewhere. */
  epjEventsTopic?: string;
  /**
   * Encryption at rest of the documents (DOCUMENT_KEY). With it every recorded document is kept
   * encrypted in `message_document` and `GET /v1/messages/{msgId}/document.pdf` serves the
   * manual-fallback printout; without it (tests of other things) no document is kept.
   */
  documents?: DocumentVault;
  /** A held delivery older than this makes its message printable (MANUAL_FALLBACK_HELD_AFTER_MS; default 1 h). */
  manualFallbackHeldAfterMs?: number;
  /**
   * The outbox sweep (StalledMessageSweep; needs `documents`): a recorded message with nothing
   * after intake in its trace for `republishAfterMs` is published again; looks every
   * `intervalMs`. DEFAULT_OUTBOX_SWEEP when absent.
   */
  outboxSweep?: { republishAfterMs: number; intervalMs: number };
}

/**
 * INTAKE_REPUBLISH_AFTER_MS / INTAKE_SWEEP_INTERVAL_MS defaults: two minutes is far beyond the
 * seconds a message normally waits for validation, so a busy pipeline is not fed duplicates,
 * and short enough that a message recorded as the broker died moves on without anyone noticing.
 */
export const DEFAULT_OUTBOX_SWEEP = { republishAfterMs: 120_000, intervalMs: 30_000 } as const;

@Injectable()
class OutboxSweepLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Optional() @Inject(StalledMessageSweep) private readonly sweep?: StalledMessageSweep) {}
  onApplicationBootstrap(): void {
    this.sweep?.start();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.sweep?.stop();
  }
}

@Injectable()
class LedgerClientLifecycle implements OnApplicationShutdown {
  constructor(@Inject(LEDGER_CLIENT) private readonly db: LedgerClient, @Inject('INTAKE_OWNS_DB') private readonly owned: boolean) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.owned) await this.db.$disconnect();
  }
}

/** Readiness: the ledger database answers. */

/**
 * Intake: the REST API (`/v1/messages`, `/v1/conversations`, `/v1/parties`, OpenAPI at
 * `/docs`), the consumer of the EPJ event topic, health/readiness (broker and database) and
 * metrics.
 */
@Module({})
export class IntakeModule {
  static forRoot(options: IntakeModuleOptions): DynamicModule {
    const controllers = [MessagesController, MessageDocumentController, PartiesController];
    const db = options.db ?? createLedgerClient(options.databaseUrl);
    const httpOptions: IntakeHttpOptions = {
      controllers,
      dependencies: [MessageIntake, PartyRegistry, ManualFallback, PARTY_REGISTRY, RATE_LIMITER, HTTP_STATUS_BY_CODE, AUDIT_TRAIL, BODY_LIMIT_BYTES],
    };
    const documents = options.documents;
    return {
      module: IntakeModule,
      imports: [
        KafkaModule.forRoot({ kafka: options.kafka, producerName: 'intake' }),
        ObservabilityModule.forRoot({
          service: 'intake',
          readiness: { useFactory: () => [kafkaReadiness(options.kafka), ledgerReadiness(db)] },
        }),
      ],
      controllers: [...controllers, epjEventsController(options.epjEventsTopic)],
      providers: [
        { provide: LEDGER_CLIENT, useValue: db },
        { provide: 'INTAKE_OWNS_DB', useValue: options.db === undefined },
        LedgerClientLifecycle,
        { provide: PartyRegistry, useFactory: () => new PartyRegistry(db) },
        { provide: PatientKeyHasher, useFactory: () => new PatientKeyHasher(options.patientKeySecret) },
        {
          provide: MessageIntake,
          inject: [PartyRegistry, HubProducer, PatientKeyHasher],
          useFactory: (registry: PartyRegistry, producer: HubProducer, patientKeys: PatientKeyHasher) =>
            new MessageIntake({
              db,
              registry,
              producer,
              patientKeys,
              maxBytes: options.bodyLimitBytes,
              ...(options.topics ? { topics: options.topics } : {}),
              ...(documents ? { documents } : {}),
            }),
        },
        ...(documents
          ? [
              {
                provide: ManualFallback,
                inject: [PartyRegistry],
                useFactory: (registry: PartyRegistry) =>
                  new ManualFallback({ db, vault: documents, registry, ...(options.manualFallbackHeldAfterMs !== undefined ? { heldAfterMs: options.manualFallbackHeldAfterMs } : {}) }),
              },
              {
                provide: StalledMessageSweep,
                inject: [MessageIntake],
                useFactory: (intake: MessageIntake) => new StalledMessageSweep({ db, documents, intake, ...(options.outboxSweep ?? DEFAULT_OUTBOX_SWEEP) }),
              },
            ]
          : []),
        OutboxSweepLifecycle,
        // One authentication path for every service: @hub/api-auth's guard, rate limit, error filter and audit trail.
        ...apiAuthProviders({
          service: 'intake',
          db: LEDGER_CLIENT,
          registry: PartyRegistry,
          statusByCode: HTTP_STATUS_OF,
          rateLimit: options.rateLimit ?? DEFAULT_INTAKE_RATE_LIMIT,
        }),
        { provide: BODY_LIMIT_BYTES, useValue: options.bodyLimitBytes },
        { provide: INTAKE_HTTP_OPTIONS, useValue: httpOptions },
        IntakeHttpPipeline,
      ],
      exports: [MessageIntake, PartyRegistry],
    };
  }
}
