// Limit (a): the cheapest correct pipeline on this broker. The same Kafka hops as the hub,
// with the same record sizes, keys (conversation id), partition counts and producer settings
// (idempotent, acks=all, one request in flight, murmur2 partitioner), but every stage does
// nothing except consume, produce to its next topics and commit after the produce
// (at-least-once). Each stage runs on its own thread, as each hub service is its own process.
//
//   driver ─► accepted ─► validation ─► validated ─► crypto ─► sealed ─► dispatch ─┬─► inbox.municipality ─► adapter ─┬─► accepted (the AppRec)
//                                                                                   ├─► inbox.hospital ─► hospital     └─► apprecs.submitted ─► receipts
//                                                                                   └─► dispatched ─────────────────────────────────────────────► receipts
// A message is done when the receipts stage has read its AppRec (apprecs.submitted).
import { randomUUID } from 'node:crypto';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import kafkajs from 'kafkajs';

const TOPICS = {
  accepted: 6, validated: 6, sealed: 6, 'inbox.municipality': 3, 'inbox.hospital': 3, dispatched: 6, 'apprecs.submitted': 6,
};

/**
 * Stage → where each kind goes. Records carry their kind ('m' message, 'a' AppRec) in a header so
 * no stage has to parse a payload; `size` names the payload each output carries.
 */
const STAGES = {
  validation: { from: ['accepted'], route: (k) => [{ to: 'validated', size: k === 'm' ? 'doc' : 'apprec' }] },
  crypto: { from: ['validated'], route: (k) => [{ to: 'sealed', size: k === 'm' ? 'sealed' : 'apprecSealed' }] },
  dispatch: {
    from: ['sealed'],
    route: (k) => [{ to: k === 'm' ? 'inbox.municipality' : 'inbox.hospital', size: k === 'm' ? 'sealed' : 'apprecSealed' }, { to: 'dispatched', size: 'small' }],
  },
  adapter: { from: ['inbox.municipality'], route: () => [{ to: 'accepted', size: 'apprec', kind: 'a' }, { to: 'apprecs.submitted', size: 'apprec', kind: 'a' }] },
  hospital: { from: ['inbox.hospital'], route: () => [] },
  receipts: { from: ['dispatched', 'apprecs.submitted'], route: () => [], done: 'apprecs.submitted' },
};

function kafkaFor(brokers, clientId) {
  return new kafkajs.Kafka({ clientId, brokers, logLevel: kafkajs.logLevel.NOTHING, retry: { initialRetryTime: 200, retries: 8 } });
}

function producerFor(kafka) {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
}

// ------------------------------------------------------------------ stage thread

async function runStage({ brokers, prefix, stage, payloads }) {
  const def = STAGES[stage];
  const kafka = kafkaFor(brokers, `bench-limit-${stage}`);
  const producer = producerFor(kafka);
  const consumer = kafka.consumer({ groupId: `${prefix}${stage}`, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  const bufs = Object.fromEntries(Object.entries(payloads).map(([k, n]) => [k, Buffer.alloc(n, 120)]));
  await producer.connect();
  await consumer.connect();
  for (const t of def.from) await consumer.subscribe({ topic: prefix + t, fromBeginning: true });
  let done = 0;
  const timer = setInterval(() => {
    if (done) parentPort.postMessage({ done });
    done = 0;
  }, 100);
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    if (!joined) parentPort.postMessage({ joined: stage });
    joined = true;
  });
  await consumer.run({
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch, heartbeat }) => {
      const out = new Map();
      for (const m of batch.messages) {
        const kind = m.headers?.k?.toString() ?? 'm';
        for (const r of def.route(kind)) {
          const list = out.get(r.to) ?? out.set(r.to, []).get(r.to);
          list.push({ key: m.key, value: bufs[r.size], headers: { k: r.kind ?? kind } });
        }
      }
      if (out.size) await producer.sendBatch({ acks: -1, topicMessages: [...out].map(([t, messages]) => ({ topic: prefix + t, messages })) });
      if (def.done && batch.topic === prefix + def.done) done += batch.messages.length;
      await heartbeat();
    },
  });
  parentPort.on('message', async (m) => {
    if (m !== 'stop') return;
    clearInterval(timer);
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    parentPort.postMessage({ stopped: stage });
  });
}

if (!isMainThread && workerData?.benchLimitStage) {
  runStage(workerData).catch((err) => {
    parentPort.postMessage({ error: `${workerData.stage}: ${err.message}` });
  });
}

// ------------------------------------------------------------------ driver (main thread)

/**
 * Runs the relay pipeline closed-loop (at most `window` messages in flight) and returns the
 * rate of done messages over `seconds` after `warmupSeconds`.
 * @param {{ brokers: string[], payloads: { doc: number, sealed: number, apprec: number, apprecSealed: number, small: number },
 *           warmupSeconds: number, seconds: number, window?: number, log?: (m: string) => void }} opts
 */
export async function measureKafkaLimit(opts) {
  const log = opts.log ?? (() => undefined);
  const prefix = `bench-limit-${Date.now().toString(36)}.`;
  const kafka = kafkaFor(opts.brokers, 'bench-limit-driver');
  const admin = kafka.admin();
  await admin.connect();
  const topics = Object.entries(TOPICS).map(([t, partitions]) => ({ topic: prefix + t, numPartitions: partitions, replicationFactor: 1 }));
  await admin.createTopics({ topics, waitForLeaders: true });
  const workers = [];
  let done = 0;
  const errors = [];
  const joined = new Set();
  try {
    for (const stage of Object.keys(STAGES)) {
      const w = new Worker(new URL(import.meta.url), {
        workerData: { benchLimitStage: true, brokers: opts.brokers, prefix, stage, payloads: { small: 300, ...opts.payloads } },
      });
      w.on('message', (m) => {
        if (m.done) done += m.done;
        if (m.joined) joined.add(m.joined);
        if (m.error) errors.push(m.error);
      });
      w.on('error', (err) => errors.push(err.message));
      workers.push(w);
    }
    const joinDeadline = Date.now() + 60_000;
    while (joined.size < workers.length && Date.now() < joinDeadline && errors.length === 0) await sleep(100);
    if (errors.length) throw new Error(errors.join('; '));
    log(`limit(a): ${workers.length} relay stages joined`);

    const producer = producerFor(kafka);
    await producer.connect();
    const doc = Buffer.alloc(opts.payloads.doc, 120);
    const window = opts.window ?? 400;
    let sent = 0;
    let stop = false;
    const drive = (async () => {
      while (!stop) {
        const room = Math.min(200, window - (sent - done));
        if (room <= 0) {
          await sleep(2);
          continue;
        }
        const messages = Array.from({ length: room }, () => ({ key: randomUUID(), value: doc, headers: { k: 'm' } }));
        await producer.send({ topic: prefix + 'accepted', acks: -1, messages });
        sent += room;
      }
    })();
    await sleep(opts.warmupSeconds * 1000);
    const d0 = done;
    const t0 = Date.now();
    await sleep(opts.seconds * 1000);
    const rate = (done - d0) / ((Date.now() - t0) / 1000);
    stop = true;
    await drive;
    await producer.disconnect();
    if (errors.length) throw new Error(errors.join('; '));
    return { rate, sent, done, window };
  } finally {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise((resolve) => {
            const t = setTimeout(() => w.terminate().then(resolve, resolve), 10_000);
            w.on('message', (m) => m.stopped && (clearTimeout(t), w.terminate().then(resolve, resolve)));
            w.postMessage('stop');
          }),
      ),
    );
    await admin.deleteTopics({ topics: topics.map((t) => t.topic) }).catch(() => undefined);
    await admin.deleteGroups(Object.keys(STAGES).map((s) => prefix + s)).catch(() => undefined);
    await admin.disconnect();
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
