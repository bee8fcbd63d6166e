/**
 * The one file that touches kafkajs' types and construction. No business logic
 * here: the producer, consumer and admin helpers build on what it exports.
 */
import kafkajs from 'kafkajs';
import type { Admin, Consumer, ConsumerConfig, IHeaders, Kafka, KafkaMessage, Producer, ProducerConfig } from 'kafkajs';
import { kafkaLogCreator } from '@hub/observability';
import { patchKafkajsIdleSpin } from './kafkajs-idle.patch.js';

// Before any client exists: every connection's request queue gets the fixed method.
patchKafkajsIdleSpin();

export type { Admin, Consumer, IHeaders, Kafka, KafkaMessage, Producer };
/** kafkajs' config resource types (topic, broker) for describeConfigs/alterConfigs. */
export const ConfigResourceTypes = kafkajs.ConfigResourceTypes;

/** SASL/SCRAM credentials (a discriminated union, as kafkajs' own SASLOptions). */
export type KafkaSasl =
  | { mechanism: 'scram-sha-512'; username: string; password: string }
  | { mechanism: 'scram-sha-256'; username: string; password: string };

export interface KafkaConnectionOptions {
  brokers: string[];
  clientId: string;
  /** Mutual TLS (PEM contents): the cluster CA, this client's certificate and key. */
  ssl?: { ca: string; cert: string; key: string };
  /** SASL/SCRAM: this client's principal (docs/kafka.md "Authentication and ACLs"); unset: no SASL. */
  sasl?: KafkaSasl;
  /** Connection timeout per broker, ms. */
  connectionTimeout?: number;
}

/** A kafkajs client whose logs go through the hub's logger. */
export function createKafka(opts: KafkaConnectionOptions): Kafka {
  return new kafkajs.Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    connectionTimeout: opts.connectionTimeout ?? 3000,
    ...(opts.ssl ? { ssl: { ca: [opts.ssl.ca], cert: opts.ssl.cert, key: opts.ssl.key, rejectUnauthorized: true } } : {}),
    // A copy: kafkajs keeps the object, and the caller's may be frozen config.
    ...(opts.sasl ? { sasl: { ...opts.sasl } } : {}),
    logLevel: kafkajs.logLevel.WARN,
    logCreator: kafkaLogCreator,
    retry: { initialRetryTime: 200, retries: 8 },
  });
}

/**
 * Idempotent producer: the broker drops duplicates of a retried batch, so a
 * network retry never writes an event twice. kafkajs requires at most one
 * in-flight request per connection for idempotence to hold.
 */
export function createIdempotentProducer(kafka: Kafka, extra: Partial<ProducerConfig> = {}): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // The murmur2-compatible default (Java-client partitioning), chosen explicitly.
    createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
    ...extra,
  });
}

export function createConsumer(kafka: Kafka, groupId: string, extra: Partial<ConsumerConfig> = {}): Consumer {
  return kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    // Only committed transactional writes are visible (the default, stated on purpose).
    readUncommitted: false,
    sessionTimeout: 30000,
    heartbeatInterval: 3000,
    ...extra,
  });
}

/** Header values arrive as Buffer | string | (Buffer | string)[] | undefined; we use single strings. */
export function headerString(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  if (v === undefined || v === null) return undefined;
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

/** All headers as plain strings (first value of repeated headers). */
export function headersToRecord(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(headers ?? {})) {
    const v = headerString(headers, key);
    if (v !== undefined) out[key] = v;
  }
  return out;
}
