/**
 * A consumer crash kafkajs does not restart (a non-retriable error, such as a commit refused with
 * "The coordinator is not aware of this member" after the member was evicted) must not leave a
 * live service that consumes nothing: HubConsumer restarts it. A fake kafkajs consumer stands in
 * for the broker, because the eviction cannot be produced on demand with a real one.
 */
import { EventEmitter } from 'node:events';
import { Topics } from '@hub/contracts';
import type { Kafka } from './kafka.adapter.js';
import type { HubProducer } from './hub.producer.js';
import { HubConsumer } from './hub.consumer.js';

class FakeConsumer {
  readonly events = { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' };
  private readonly emitter = new EventEmitter();
  runs = 0;
  connects = 0;
  subscribes = 0;
  on(event: string, listener: (e: unknown) => void) {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }
  crash(restart: boolean) {
    this.emitter.emit(this.events.CRASH, { type: this.events.CRASH, payload: { error: new Error('The coordinator is not aware of this member'), groupId: 'g', restart } });
  }
  async connect() {
    this.connects++;
  }
  async subscribe() {
    this.subscribes++;
  }
  async run() {
    this.runs++;
  }
  async disconnect() {}
  async commitOffsets() {}
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setImmediate(r));
  return check();
};

describe('HubConsumer after a crash kafkajs does not restart', () => {
  let fake: FakeConsumer;
  let consumer: HubConsumer;

  beforeEach(async () => {
    fake = new FakeConsumer();
    const kafka = { consumer: () => fake } as unknown as Kafka;
    consumer = new HubConsumer(kafka, {} as HubProducer, { groupId: 'crash-test', retryInitialMs: 1 });
    consumer.on(Topics.MessagesAccepted, async () => undefined);
    await consumer.start();
  });

  afterEach(() => consumer.stop());

  it('subscribes and runs the consumer again', async () => {
    expect(fake.runs).toBe(1);
    fake.crash(false);
    expect(await until(() => fake.runs === 2)).toBe(true);
    expect(fake.connects).toBe(2);
    expect(fake.subscribes).toBe(2);
  });

  it('leaves a crash kafkajs restarts itself to kafkajs', async () => {
    fake.crash(true);
    await until(() => fake.runs > 1);
    expect(fake.runs).toBe(1);
  });

  it('does not restart a consumer that is being stopped', async () => {
    await consumer.stop();
    fake.crash(false);
    await until(() => fake.runs > 1);
    expect(fake.runs).toBe(1);
  });
});
