import { z } from 'zod';
import { setting } from './config.loader.js';

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/** `host:port[,host:port…]` → list; the default is the project's own local broker. */
export const kafkaBrokers = setting(
  'KAFKA_BROKERS',
  z
    .string()
    .default('127.0.0.1:9092')
    .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean))
    .refine((list) => list.length > 0 && list.every((b) => HOST_PORT.test(b) && Number(b.split(':')[1]) <= 65535), {
      message: 'expected a comma-separated list of host:port',
    }),
);

/** PostgreSQL connection URL; the default is the local server. */
export const databaseUrl = setting(
  'DATABASE_URL',
  z
    .string()
    .default('postgresql://postgres@127.0.0.1:5432/samhandling')
    .refine((s) => /^postgres(ql)?:\/\/[^\s]+$/.test(s) && URL.canParse(s), {
      message: 'expected a postgresql:// URL',
    }),
  // The URL may embed a password.
  { secret: true },
);

/** TCP port for the service's HTTP server (API, health, metrics). */
export function httpPort(variable: string, defaultPort: number) {
  return setting(variable, z.coerce.number().int().min(0).max(65535).default(defaultPort));
}

export const logLevel = setting(
  'LOG_LEVEL',
  z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
);

/** Kafka client id prefix, so broker logs and quotas can tell the hub's clients apart. */
export const kafkaClientId = setting('KAFKA_CLIENT_ID', z.string().regex(/^[A-Za-z0-9._-]+$/).default('samhandling-hub'));

/** A positive duration in milliseconds. */
export function durationMs(variable: string, defaultMs: number) {
  return setting(variable, z.coerce.number().int().positive().default(defaultMs));
}

/**
 * Prefix for every topic and consumer group name (see @hub/kafka topic.namespace):
 * lets a test run or a second environment share a cluster without crosstalk.
 */
export const kafkaTopicPrefix = setting('KAFKA_TOPIC_PREFIX', z.string().regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only').default(''));

/** Address the HTTP server binds to: loopback on a workstation, 0.0.0.0 in a pod. */
export const httpHost = setting('HTTP_HOST', z.string().regex(/^[0-9a-fA-F.:]+$|^localhost$/, 'expected an IP address').default('127.0.0.1'));

/**
 * Mutual TLS to the brokers (Strimzi listener with tls authentication): PEM files
 * mounted from the cluster CA secret and the service's KafkaUser secret. All three
 * or none.
 */
export const kafkaSslCaFile = setting('KAFKA_SSL_CA_FILE', z.string().min(1).optional());
export const kafkaSslCertFile = setting('KAFKA_SSL_CERT_FILE', z.string().min(1).optional());
export const kafkaSslKeyFile = setting('KAFKA_SSL_KEY_FILE', z.string().min(1).optional(), { secret: true });

/**
 * SASL/SCRAM authentication to the brokers (docs/kafka.md "Authentication and ACLs"): the
 * service's own principal and the file holding its password (a mounted secret; read once at
 * boot by readKafkaSasl, never passed in the environment itself). Username and password file
 * together or neither; unset means an unauthenticated (PLAINTEXT or mTLS) connection.
 */
export const kafkaSaslMechanism = setting('KAFKA_SASL_MECHANISM', z.enum(['scram-sha-512', 'scram-sha-256']).default('scram-sha-512'));
export const kafkaSaslUsername = setting('KAFKA_SASL_USERNAME', z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only').optional());
export const kafkaSaslPasswordFile = setting('KAFKA_SASL_PASSWORD_FILE', z.string().min(1).optional());

/** Everything a Kafka client of the hub is configured with (services and the `plo dlq` tool alike). */
export const kafkaSettings = {
  kafkaBrokers,
  kafkaClientId,
  kafkaTopicPrefix,
  kafkaSslCaFile,
  kafkaSslCertFile,
  kafkaSslKeyFile,
  kafkaSaslMechanism,
  kafkaSaslUsername,
  kafkaSaslPasswordFile,
};
