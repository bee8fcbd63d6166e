import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BeforeApplicationShutdown, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { ConfigOf } from '@hub/config';
import { InboxTopic, type InboxDelivery } from '@hub/contracts';
import { HubError } from '@hub/errors';
import { HubConsumer, ensureTopics, type HubProducer, type Kafka } from '@hub/kafka';
import { PatientKeyHasher, createLedgerClient, type LedgerClient } from '@hub/ledger';
import { getLogger } from '@hub/observability';
import { PloValidator } from '@hub/plo';
import { PartyRegistry, type PartyRecord } from '@hub/registry';
import { InboxProcessor, type InboxHooks, type UnknownPatientPolicy } from '../inbox/inbox.processor.js';
import { SealEnvelopeOpener } from '../inbox/seal-envelope.opener.js';
import type { EnvelopeOpener } from '../inbox/envelope-opener.port.js';
import { CredentialsFile } from '../intake/credentials.file.js';
import { IntakeClient, type MessageSubmitter } from '../intake/intake.client.js';
import { JournalStore, type EpjSystem } from '../journal/journal.store.js';
import { FileMessageHoldStore, type MessageHoldStore } from '../journal/message-hold.store.js';
import { LedgerSentOnce, type SentOnce } from '../journal/sent-once.store.js';
import { PatientRegister } from '../patients/patient.register.js';
import type { epjSimSettings } from '../settings/epj-sim.settings.js';
import type { VendorImport } from '../vendor-import/vendor-import.port.js';

export type EpjSimConfig = ConfigOf<typeof epjSimSettings>;

/** What the vendor-specific parts are built from. */
export interface EpjDeps {
  readonly db: LedgerClient;
  readonly journal: JournalStore;
  readonly sentOnce: SentOnce;
  readonly submitter: MessageSubmitter;
  readonly registry: PartyRegistry;
  /** Held (unknown patient) and quarantined (misdirected) messages: `<EPJ_DATA_DIR>/<system>/<herId>/{held,quarantine}/`. */
  readonly holds: MessageHoldStore;
}

export interface EpjInboxRuntimeOptions {
  readonly system: EpjSystem;
  /** Consumer group, one per adapter (e.g. `epj-gerica`). */
  readonly groupId: string;
  readonly config: EpjSimConfig;
  readonly kafka: Kafka;
  readonly producer: HubProducer;
  /** Which registry parties this process serves (their inboxes). */
  readonly serves: (party: PartyRecord) => boolean;
  readonly importer: (deps: EpjDeps) => VendorImport;
  readonly hooks?: (deps: EpjDeps) => InboxHooks;
  /** Test seam: another opener than the PKI directory's. */
  readonly opener?: EnvelopeOpener;
}

/**
 * One simulated EPJ process: the database client, journal, intake client and the inbox consumer
 * for every party it serves (one consumer group; the inbox topics come from the registry, so
 * they are subscribed with HubConsumer directly rather than static `@EventPattern`s).
 */
export class EpjInboxRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly log = getLogger(EpjInboxRuntime.name);
  private consumer?: HubConsumer;
  private served: PartyRecord[] = [];

  private constructor(
    private readonly opts: EpjInboxRuntimeOptions,
    readonly deps: EpjDeps,
    readonly processor: InboxProcessor,
  ) {}

  static async create(opts: EpjInboxRuntimeOptions): Promise<EpjInboxRuntime> {
    const { config } = opts;
    const db = createLedgerClient(config.databaseUrl, { poolSize: 5 });
    const journal = new JournalStore(db);
    const sentOnce = new LedgerSentOnce(db);
    const submitter = new IntakeClient(config.intakeUrl, new CredentialsFile(config.credentialsFile));
    const registry = new PartyRegistry(db);
    const holds = new FileMessageHoldStore(path.resolve(config.epjDataDir));
    const deps: EpjDeps = { db, journal, sentOnce, submitter, registry, holds };
    const validator = await PloValidator.create();
    const hasher = config.patientKeySecret ? new PatientKeyHasher(config.patientKeySecret) : undefined;
    const patients = config.knownPatientsFile ? await readPatientRegister(config.knownPatientsFile) : new PatientRegister();
    const rejecting = new Set(config.unknownPatientRejectParties);
    const unknownPatientPolicy = (herId: number): UnknownPatientPolicy => (rejecting.has(herId) ? 'reject' : config.unknownPatient);
    const opener = opts.opener ?? (await lazyOpener(config.pkiDir));
    const processor = new InboxProcessor({
      system: opts.system, opener, validate: (xml) => validator.validate(xml), importer: opts.importer(deps), journal, submitter, sentOnce, patients,
      patientKeyOf: hasher ? (pid) => hasher.keyOf(pid) : undefined, unknownPatientPolicy, holds, silentParties: new Set(config.silentParties),
      hooks: opts.hooks?.(deps), partyOf: (herId) => registry.findByAnyHerId(herId),
    });
    return new EpjInboxRuntime(opts, deps, processor);
  }

  /** The parties whose inboxes this process reads. */
  parties(): readonly PartyRecord[] {
    return this.served;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.served = (await this.deps.registry.listParties()).filter(this.opts.serves);
    if (this.served.length === 0) {
      this.log.warn('no parties to serve in the registry (seed it with npm run setup)', { system: this.opts.system });
      return;
    }
    const defs = this.served.map((p) => InboxTopic.definitionFor(String(p.herId)));
    await ensureTopics(this.opts.kafka, defs);
    await this.opts.producer.connect();
    // One consumer reads every served inbox (3 partitions each): the default concurrency (6) keeps several parties moving at once.
    const consumer = new HubConsumer(this.opts.kafka, this.opts.producer, { groupId: this.opts.groupId });
    this.served.forEach((party, i) => consumer.on<InboxDelivery>(defs[i]!, async (event) => void (await this.processor.process(party, event.payload))));
    await consumer.start();
    this.consumer = consumer;
    this.log.info('consuming inboxes', { system: this.opts.system, group: this.opts.groupId, parties: this.served.map((p) => p.herId) });
  }

  /** Resolves once the consumer group has assigned partitions (tests). */
  async waitForAssignment(timeoutMs?: number): Promise<void> {
    if (!this.consumer) throw new HubError('EPJ.NOT_CONSUMING', 'no inbox consumer running');
    await this.consumer.waitForAssignment(timeoutMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.deps.db.$disconnect();
  }
}

async function readPatientRegister(file: string): Promise<PatientRegister> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new HubError('EPJ.BAD_PATIENT_REGISTER', `${file}: ${(err as Error).message}`);
  }
  return PatientRegister.fromJson(value, file);
}

/** The PKI may be written after the simulator started (npm run setup): read it on first use. */
async function lazyOpener(pkiDir: string): Promise<EnvelopeOpener> {
  let opener: Promise<SealEnvelopeOpener> | undefined;
  return {
    open: async (delivery) => {
      opener ??= SealEnvelopeOpener.fromPkiDir(pkiDir).catch((err) => {
        opener = undefined;
        throw err;
      });
      return (await opener).open(delivery);
    },
  };
}
