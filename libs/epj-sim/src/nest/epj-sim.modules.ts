import path from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { HubProducer, KafkaModule, kafkaReadiness, type Kafka } from '@hub/kafka';
import { ObservabilityModule } from '@hub/observability';
import type { PartyRecord } from '@hub/registry';
import { InnleggelsesrapportAnswer } from '../inbox/innleggelsesrapport.answer.js';
import type { EnvelopeOpener } from '../inbox/envelope-opener.port.js';
import { HospitalInboxHooks } from '../stays/hospital-inbox.hooks.js';
import { StayRunner } from '../stays/stay.runner.js';
import { StayTracker } from '../stays/stay.tracker.js';
import { DipsJournalImport } from '../vendor-import/dips-journal.import.js';
import { GericaImportFolder } from '../vendor-import/gerica-import-folder.js';
import { ProfilHttpImport, ProfilImportService } from '../vendor-import/profil-http-import.js';
import { EpjInboxRuntime, type EpjSimConfig } from './epj-inbox.runtime.js';
import { PROFIL_IMPORT_SERVICE, ProfilImportController } from './profil-import.controller.js';
import { STAYS, StaysController, type StaysContext } from './stays.controller.js';

const isMunicipalityOf = (system: string) => (p: PartyRecord) => p.kind === 'MUNICIPALITY' && p.epjSystem.toLowerCase() === system;

@Module({})
class EpjSimulatorModule {}

export interface MunicipalAdapterOptions {
  readonly vendor: 'gerica' | 'profil';
  readonly config: EpjSimConfig & { httpPort: number };
  readonly kafka: Kafka;
  /** Test seam. */
  readonly opener?: EnvelopeOpener;
}

/**
 * A municipal EPJ adapter (Gerica or Profil): consumes the inboxes of every registry
 * municipality running that EPJ, files through the vendor's (simulated) import interface,
 * answers with AppRecs and, for LOG_INNLAGT, an INNLEGGELSESRAPPORT.
 */
export function municipalAdapterModule(opts: MunicipalAdapterOptions): DynamicModule {
  const service = `${opts.vendor}-adapter`;
  const profil = opts.vendor === 'profil';
  return {
    module: EpjSimulatorModule,
    imports: [
      KafkaModule.forRoot({ kafka: opts.kafka, producerName: service }),
      ObservabilityModule.forRoot({ service, readiness: { useFactory: () => [kafkaReadiness(opts.kafka)] } }),
    ],
    controllers: profil ? [ProfilImportController] : [],
    providers: [
      {
        provide: EpjInboxRuntime,
        inject: [HubProducer],
        useFactory: (producer: HubProducer) =>
          EpjInboxRuntime.create({
            system: opts.vendor, groupId: `epj-${opts.vendor}`, config: opts.config, kafka: opts.kafka, producer, opener: opts.opener,
            serves: isMunicipalityOf(opts.vendor),
            importer: (deps) =>
              profil
                ? new ProfilHttpImport(`http://127.0.0.1:${opts.config.httpPort}/import`)
                : new GericaImportFolder(path.resolve(opts.config.epjDataDir), deps.journal),
            hooks: (deps) => new InnleggelsesrapportAnswer(opts.vendor, deps.submitter, deps.sentOnce),
          }),
      },
      ...(profil ? [{ provide: PROFIL_IMPORT_SERVICE, inject: [EpjInboxRuntime], useFactory: (rt: EpjInboxRuntime) => new ProfilImportService(rt.deps.journal) }] : []),
    ],
    exports: [EpjInboxRuntime],
  };
}

export interface HospitalEpjOptions {
  readonly config: EpjSimConfig & { replyTimeoutMs: number; awaitAppRecs: boolean; hospitalHerId: number };
  readonly kafka: Kafka;
  readonly opener?: EnvelopeOpener;
}

/**
 * The hospital EPJ simulator (DIPS-like): the stays API and the hospital's own inbox
 * (INNLEGGELSESRAPPORT filed, AppRecs recorded per original MsgId, its own AppRecs sent).
 */
export function hospitalEpjModule(opts: HospitalEpjOptions): DynamicModule {
  const tracker = new StayTracker();
  const { config } = opts;
  return {
    module: EpjSimulatorModule,
    imports: [
      KafkaModule.forRoot({ kafka: opts.kafka, producerName: 'hospital-epj' }),
      ObservabilityModule.forRoot({ service: 'hospital-epj', readiness: { useFactory: () => [kafkaReadiness(opts.kafka)] } }),
    ],
    controllers: [StaysController],
    providers: [
      {
        provide: EpjInboxRuntime,
        inject: [HubProducer],
        useFactory: (producer: HubProducer) =>
          EpjInboxRuntime.create({
            system: 'dips', groupId: 'epj-dips', config, kafka: opts.kafka, producer, opener: opts.opener,
            serves: (p) => p.herId === config.hospitalHerId,
            importer: (deps) => new DipsJournalImport(deps.journal),
            hooks: () => new HospitalInboxHooks(tracker),
          }),
      },
      {
        provide: STAYS,
        inject: [EpjInboxRuntime],
        useFactory: (rt: EpjInboxRuntime): StaysContext => {
          let runner: StayRunner | undefined;
          return {
            tracker,
            runner: async () => {
              const hospital = await rt.deps.registry.requireParty(config.hospitalHerId);
              runner ??= new StayRunner({ hospital, submitter: rt.deps.submitter, tracker, replyTimeoutMs: config.replyTimeoutMs, awaitAppRecs: config.awaitAppRecs });
              return runner;
            },
            municipalities: async () =>
              (await rt.deps.registry.listParties()).filter((p) => p.kind === 'MUNICIPALITY' && ['gerica', 'profil'].includes(p.epjSystem.toLowerCase())),
          };
        },
      },
    ],
    exports: [EpjInboxRuntime],
  };
}
