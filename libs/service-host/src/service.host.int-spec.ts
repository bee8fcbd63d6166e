import { Controller, Module, type INestApplication } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { HubHeaders, Topics, type HubEventMap } from '@hub/contracts';
import { HubError } from '@hub/errors';
import { HubProducer, KafkaModule, topicPrefix, type Kafka } from '@hub/kafka';
import { readRecords, testBrokers, testKafka } from '@hub/kafka/testing';
import { httpPort } from '@hub/config';
import { runService } from './service.host.js';

const handled: string[] = [];

@Controller()
class ProbeHandler {
  @EventPattern<Pick<HubEventMap, typeof Topics.ReceiptStatus.name>>(Topics.ReceiptStatus.name)
  async on(@Payload() p: HubEventMap[typeof Topics.ReceiptStatus.name]): Promise<void> {
    if (String(p.receiverHerId) === '13') throw new HubError('TEST.PERMANENT_FAILURE', 'this one is refused');
    handled.push(p.msgId);
  }
}

@Module({})
class ProbeModule {
  static forRoot(kafka: Kafka) {
    return { module: ProbeModule, imports: [KafkaModule.forRoot({ kafka, producerName: 'probe' })], controllers: [ProbeHandler] };
  }
}

describe('runService', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await runService(
      {
        name: 'probe',
        settings: { httpPort: httpPort('PROBE_PORT', 0) },
        module: (_c, kafka) => ProbeModule.forRoot(kafka),
        consumerGroup: 'probe',
        produces: [Topics.ReceiptStatus],
      },
      { KAFKA_BROKERS: testBrokers().join(','), KAFKA_TOPIC_PREFIX: topicPrefix(), LOG_LEVEL: 'silent' },
    );
  });

  afterAll(async () => app?.close());

  it('keeps a handler HubError code all the way to the dead-letter topic (the filter is applied)', async () => {
    const producer = app.get(HubProducer);
    const base = { eventId: '', conversationId: 'c-probe', occurredAt: new Date().toISOString(), status: 'ok' as const };
    await producer.publish(Topics.ReceiptStatus, { ...base, eventId: 'e-13', msgId: 'm-13', receiverHerId: '13' } as never);
    await producer.publish(Topics.ReceiptStatus, { ...base, eventId: 'e-1', msgId: 'm-1', receiverHerId: '1' } as never);
    const [dead] = await readRecords(testKafka(), Topics.ReceiptStatus.deadLetter, 1);
    expect(dead.headers[HubHeaders.ErrorCode]).toBe('TEST.PERMANENT_FAILURE');
    expect(dead.headers[HubHeaders.Attempts]).toBe('1');
  });
});
