import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { HubHeaders, Topics, type TopicDefinition } from '@hub/contracts';
import { HubError } from '@hub/errors';
import { DeadLetterReplayLedger, createLedgerClient, type LedgerClient } from '@hub/ledger';
import { TEST_DATABASE_URL } from '@hub/ledger/testing';
import { configureLogging } from '@hub/observability';
import { runDlqCli, type DlqClients } from './dead-letter.command.js';
import { DeadLetterReplayer } from './dead-letter.replayer.js';
import { DeadLetterStore } from './dead-letter.store.js';
import { HubConsumer } from './hub.consumer.js';
import { HubProducer } from './hub.producer.js';
import type { Kafka } from './kafka.adapter.js';
import { ensureTopics } from './topic.admin.js';
import { topicPrefix } from './topic.namespace.js';
import { readRecords, testBrokers, testKafka, waitFor } from './testing.js';

const FNR = '01017012345';
const root = path.resolve(import.meta.dirname, '../../..');

interface Ping {
  eventId: string;
  msgId: string;
  conversationId: string;
  note: string;
}

/**
 * The whole path against the real broker and database: a real HubConsumer dead-letters an
 * event (non-retriable HubError), `plo dlq` lists it, shows it masked, replays it twice (the
 * second is a no-op) and the handler gets it exactly once more. The catalogue topic lives in
 * this file's own namespace (tools/test/topic-namespace.setup.ts), so the tool's "every
 * dead-letter topic of the catalogue" sees only this file's dead letters.
 */
describe('plo dlq against the real broker and database', () => {
  // Any catalogue topic will do; the stage behind it is played by the handler below.
  const topic = Topics.MessagesAccepted as unknown as TopicDefinition<Ping>;
  let kafka: Kafka;
  let producer: HubProducer;
  let consumer: HubConsumer;
  let ledgerClient: LedgerClient;
  let clients: DlqClients;
  let poisoned = true;
  const deliveries: { eventId: string; headers: Record<string, string> }[] = [];

  const ping = (conversationId: string): Ping => ({ eventId: randomUUID(), msgId: randomUUID(), conversationId, note: `patient ${FNR}` });

  async function plo(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runDlqCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, async () => clients);
    return { code, out, err };
  }

  beforeAll(async () => {
    configureLogging({ service: 'dlq-int', level: 'silent' });
    kafka = testKafka();
    producer = new HubProducer(kafka, 'dlq-int');
    await producer.connect();
    await ensureTopics(kafka, [topic]);
    ledgerClient = createLedgerClient(TEST_DATABASE_URL, { poolSize: 2 });
    const record = new DeadLetterReplayLedger(ledgerClient, 'dlq-int');
    clients = { store: new DeadLetterStore(kafka), record, replayer: new DeadLetterReplayer(producer, record), close: async () => {} };
    consumer = new HubConsumer(kafka, producer, { groupId: 'validation', retryInitialMs: 20, retryMaxMs: 100 });
    consumer.on(topic, async (e) => {
      if (poisoned && e.payload.note.includes('patient')) throw new HubError('TEST.POISON', `cannot take note for ${FNR}`);
      deliveries.push({ eventId: e.payload.eventId, headers: e.headers });
    });
    await consumer.start();
    await consumer.waitForAssignment();
  });

  afterAll(async () => {
    await consumer?.stop();
    await producer?.disconnect();
    await ledgerClient?.$disconnect();
  });

  it('lists, shows masked, and replays a dead letter exactly once', async () => {
    const poison = ping(`conv-${randomUUID().slice(0, 8)}`);
    await producer.publish(topic, poison);
    const [dead] = await readRecords(kafka, topic.deadLetter, 1);
    const ref = `${topic.deadLetter}:${dead.partition}:${dead.offset}`;

    // list: one line per dead letter, with what failed and that it is not replayed yet.
    const listed = await plo('list', '--json');
    expect(listed).toMatchObject({ code: 0, err: [] });
    expect(listed.out.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        ref,
        dlqTopic: topic.deadLetter,
        originalTopic: topic.name,
        errorCode: 'TEST.POISON',
        attempts: 1,
        eventId: poison.eventId,
        failedGroup: 'validation',
        replayed: false,
        replayClaimed: false,
      }),
    ]);
    const table = await plo('list', '--topic', topic.name);
    expect(table.out[1]).toMatch(new RegExp(`^${ref.replace(/\./g, '\\.')} .* TEST\\.POISON +1 +${poison.eventId} +no$`));

    // show: headers and payload, the person number masked unless --reveal.
    const shown = await plo('show', ref);
    expect(shown.code).toBe(0);
    // Human output names the namespace once; refs leave it out.
    expect(shown.err).toEqual([`plo dlq: namespace '${topicPrefix()}' (KAFKA_TOPIC_PREFIX): refs name topics without it`]);
    const text = shown.out.join('\n');
    expect(text).not.toContain(FNR);
    expect(text).toContain('"note": "patient ***********"');
    expect(text).toContain(`${HubHeaders.ErrorMessage}: cannot take note for ***********`);
    const revealed = await plo('show', ref, '--reveal');
    expect(revealed.out.join('\n')).toContain(`"note": "patient ${FNR}"`);
    expect(revealed.err.join('\n')).toContain('--reveal: person numbers in the payload are shown in clear');

    // replay, twice: the second (and a replay --all) publishes nothing.
    poisoned = false;
    expect(await plo('replay', ref)).toMatchObject({ code: 0, out: [`replayed ${ref} -> ${topic.name} (event ${poison.eventId})`, 'replayed 1, already replayed 0'] });
    expect(await plo('replay', ref)).toMatchObject({ code: 0, out: [`already replayed ${ref}`, 'replayed 0, already replayed 1'] });
    expect((await plo('replay', '--all')).out).toEqual([`already replayed ${ref}`, 'replayed 0, already replayed 1']);

    // A later event of the same conversation shares the partition: once the handler has it,
    // everything replayed before it has been delivered too.
    const sentinel = ping(poison.conversationId);
    await producer.publish(topic, sentinel);
    await waitFor(() => deliveries.some((d) => d.eventId === sentinel.eventId), 20000, 'the sentinel event');
    const replays = deliveries.filter((d) => d.eventId === poison.eventId);
    expect(replays).toHaveLength(1);
    expect(replays[0].headers[HubHeaders.ReplayOf]).toBe(ref);
    expect(replays[0].headers[HubHeaders.ErrorCode]).toBeUndefined();
    expect(replays[0].headers[HubHeaders.OriginalTopic]).toBeUndefined();

    const after = await plo('list', '--json');
    expect(after.out.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ ref, replayed: true, replayClaimed: false })]);
  });

  it('runs as `npx plo dlq` with the services\' settings, masking by default and with clear errors for bad refs', async () => {
    const [dead] = await readRecords(kafka, topic.deadLetter, 1);
    const ref = `${topic.deadLetter}:${dead.partition}:${dead.offset}`;
    const env = { ...process.env, KAFKA_BROKERS: testBrokers().join(','), KAFKA_TOPIC_PREFIX: topicPrefix(), DATABASE_URL: TEST_DATABASE_URL };
    const run = async (...args: string[]) => {
      try {
        const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(root, 'tools/plo/plo.mjs'), 'dlq', ...args], { cwd: root, env, timeout: 150_000 });
        return { code: 0, stdout, stderr };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };
    const shown = await run('show', `${topicPrefix()}${ref}`);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`ref       ${ref}`);
    expect(shown.stdout).toContain('patient ***********');
    expect(shown.stdout + shown.stderr).not.toContain(FNR);

    const bad = await run('show', `${topic.deadLetter}:0`);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`'${topic.deadLetter}:0' is not a dead-letter ref: expected <dlq-topic>:<partition>:<offset>`);

    const missing = await run('replay', `${topic.deadLetter}:0:999999`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no dead letter at ${topic.deadLetter}:0:999999: partition 0 holds offsets`);
  }, 180_000);
});
