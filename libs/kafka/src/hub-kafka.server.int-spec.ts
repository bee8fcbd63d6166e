import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { HubHeaders } from '@hub/contracts';
import { HubError } from '@hub/errors';
import { configureLogging, NestLoggerAdapter } from '@hub/observability';
import { HubEventExceptionFilter, HubKafkaServer } from './hub-kafka.server.js';
import { HubProducer } from './hub.producer.js';
import { ensureTopics } from './topic.admin.js';
import { freshGroup, freshTopic, readRecords, testKafka, waitFor } from './testing.js';

// Topic names must be known when the decorators run: fresh per test file.
const topic = freshTopic<{ eventId: string; msgId: string; conversationId: string; n: number }>('nest');
const received: number[] = [];

@Controller()
class PingHandler {
  @EventPattern<Record<string, { n: number }>>(topic.name)
  async onPing(@Payload() p: { n: number }): Promise<void> {
    if (p.n === 13) throw new HubError('TEST.PERMANENT', 'thirteen is refused');
    received.push(p.n);
  }
}

@Module({ controllers: [PingHandler] })
class PingModule {}

describe('HubKafkaServer (Nest @EventPattern over the real broker)', () => {
  const kafka = testKafka();
  const producer = new HubProducer(kafka, 'nest-int');
  let app: INestMicroservice;
  let server: HubKafkaServer;

  beforeAll(async () => {
    configureLogging({ service: 'nest-int', level: 'silent' });
    server = new HubKafkaServer({ kafka, producer, groupId: freshGroup('nest'), knownTopics: [topic] });
    app = await NestFactory.createMicroservice(PingModule, { strategy: server, logger: new NestLoggerAdapter() });
    app.useGlobalFilters(new HubEventExceptionFilter());
    await app.listen();
    await server.waitForAssignment();
  });

  afterAll(async () => {
    await app?.close();
    await producer.disconnect();
  });

  it('creates the handler topics, awaits the handler and keeps the HubError code for the dead-letter topic', async () => {
    await ensureTopics(kafka, [topic]); // already there: listen() created them
    const ids = (n: number) => ({ eventId: `e-${n}`, msgId: `m-${n}`, conversationId: 'conv-1', n });
    await producer.publish(topic, ids(1));
    await producer.publish(topic, ids(13));
    await producer.publish(topic, ids(2));
    await waitFor(() => received.length === 2, 20000, 'two handled events');
    expect(received).toEqual([1, 2]);
    const [dead] = await readRecords(kafka, topic.deadLetter, 1);
    expect(JSON.parse(dead.value).n).toBe(13);
    expect(dead.headers[HubHeaders.ErrorCode]).toBe('TEST.PERMANENT');
  });

  it('refuses at boot a pattern that is not in the topic catalogue', async () => {
    @Controller()
    class Stray {
      @EventPattern('not.a.catalogue.topic')
      async on(_data: unknown): Promise<void> {}
    }
    @Module({ controllers: [Stray] })
    class StrayModule {}
    const stray = await NestFactory.createMicroservice(StrayModule, {
      strategy: new HubKafkaServer({ kafka, producer, groupId: freshGroup('stray') }),
      logger: false,
    });
    await expect(stray.listen()).rejects.toMatchObject({ code: 'HUB.UNKNOWN_TOPIC' });
    await stray.close();
  });
});
