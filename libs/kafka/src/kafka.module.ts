import { Global, Module, type DynamicModule, type OnApplicationShutdown, Inject, Injectable } from "@nestjs/common";
import type { ReadinessCheck } from '@hub/observability';
import { HubProducer } from './hub.producer.js';
import { createKafka, type Kafka, type KafkaConnectionOptions } from './kafka.adapter.js';

export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');

export interface KafkaModuleOptions {
  /** A client made by the host (so topics can be created before Nest starts), or options to make one. */
  kafka: Kafka | KafkaConnectionOptions;
  /** Name of the producing service, written into every event's producer header. */
  producerName: string;
}

/** Disconnects the producer when Nest shuts down (after consumers have stopped). */
@Injectable()
class ProducerLifecycle implements OnApplicationShutdown {
  constructor(private readonly producer: HubProducer) {}
  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }
}

/** The Kafka client and the process's one idempotent HubProducer. */
@Global()
@Module({})
export class KafkaModule {
  static forRoot(opts: KafkaModuleOptions): DynamicModule {
    const kafka = 'brokers' in opts.kafka ? createKafka(opts.kafka) : opts.kafka;
    return {
      module: KafkaModule,
      providers: [
        { provide: KAFKA_CLIENT, useValue: kafka },
        { provide: HubProducer, useFactory: () => new HubProducer(kafka, opts.producerName) },
        ProducerLifecycle,
      ],
      exports: [KAFKA_CLIENT, HubProducer],
    };
  }
}

export const InjectKafka = () => Inject(KAFKA_CLIENT);

/** Readiness: the cluster answers a metadata request within the timeout. */
export function kafkaReadiness(kafka: Kafka, timeoutMs = 3000): ReadinessCheck {
  return {
    name: 'kafka',
    async check() {
      const admin = kafka.admin();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          (async () => {
            await admin.connect();
            await admin.describeCluster();
          })(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer from the brokers within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } finally {
        clearTimeout(timer);
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}
