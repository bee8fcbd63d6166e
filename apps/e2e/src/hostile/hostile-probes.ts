/**
 * Probes for the hostile corpus: stream a huge body without holding it, look for a secret in
 * every table of the test database and in every record of this test file's Kafka namespace, and
 * read the audit trail of refused API requests.
 */
import http from 'node:http';
import type { Readable } from 'node:stream';
import { headersToRecord, physicalName, topicPrefix, type Kafka } from '@hub/kafka';
import { freshGroup } from '@hub/kafka/testing';
import type { LedgerClient } from '@hub/ledger';

export interface StreamedAnswer {
  status: number;
  body: { code?: string; details?: Record<string, unknown> } & Record<string, unknown>;
}

/**
 * POSTs a streamed body. With `declareLength` the Content-Length header is sent (the server may
 * refuse at once), otherwise chunked (the server must count). Stops sending once the answer is in.
 */
export function postStreamed(url: string, body: Readable, opts: { token: string; contentType: string; declareLength?: number }): Promise<StreamedAnswer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const req = http.request(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${opts.token}`,
        'content-type': opts.contentType,
        ...(opts.declareLength !== undefined ? { 'content-length': String(opts.declareLength) } : { 'transfer-encoding': 'chunked' }),
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        settled = true;
        body.destroy();
        req.destroy();
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: StreamedAnswer['body'];
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = { raw: text };
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    // A server that answers early may close the socket under our feet: that is its right.
    req.on('error', (err) => {
      if (!settled) reject(err);
    });
    body.pipe(req);
  });
}

/** Tables of the public schema in which some row's text contains `needle` (row::text, so every column). */
export async function tablesContaining(db: LedgerClient, needle: string): Promise<string[]> {
  const tables = await db.$queryRawUnsafe<{ table_name: string }[]>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  );
  const hits: string[] = [];
  for (const { table_name } of tables) {
    const [row] = await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${table_name}" t WHERE t::text LIKE $1`, `%${needle}%`);
    if (row && Number(row.n) > 0) hits.push(table_name);
  }
  return hits;
}

export interface NamespaceRecord {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** Every record of every topic in this test file's namespace, read from the beginning to the current end. */
export async function readNamespace(kafka: Kafka): Promise<NamespaceRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, bigint>();
  let topics: string[];
  try {
    topics = (await admin.listTopics()).filter((t) => t.startsWith(topicPrefix()));
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) ends.set(`${topic}/${p.partition}`, BigInt(p.high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  const records: NamespaceRecord[] = [];
  if (ends.size === 0) return records;
  const consumer = kafka.consumer({ groupId: physicalName(freshGroup('hostile-scan')), allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    const wanted = [...new Set([...ends.keys()].map((k) => k.slice(0, k.lastIndexOf('/'))))];
    await consumer.subscribe({ topics: wanted, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`namespace scan incomplete: ${[...ends.keys()].join(', ')} not read to the end`)), 60_000);
      void consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          records.push({ topic, key: message.key?.toString('utf8') ?? '', value: message.value?.toString('utf8') ?? '', headers: headersToRecord(message.headers) });
          const k = `${topic}/${partition}`;
          const end = ends.get(k);
          if (end !== undefined && BigInt(message.offset) + 1n >= end) ends.delete(k);
          if (ends.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Audit entries of refused API requests with this code written since `since`, newest first (without the BigInt id). */
export function auditEntries(db: LedgerClient, code: string, since: Date) {
  return db.auditEvent.findMany({ where: { code, at: { gte: since } }, orderBy: { at: 'desc' }, omit: { id: true, at: true } });
}
