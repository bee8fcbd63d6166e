export { ConfigError } from './config.error.js';
export type { ConfigIssue } from './config.error.js';
export { loadConfig, setting } from './config.loader.js';
export type { ConfigOf, Setting } from './config.loader.js';
export {
  databaseUrl,
  durationMs,
  httpHost,
  httpPort,
  kafkaBrokers,
  kafkaClientId,
  kafkaSaslMechanism,
  kafkaSaslPasswordFile,
  kafkaSaslUsername,
  kafkaSettings,
  kafkaSslCaFile,
  kafkaSslCertFile,
  kafkaSslKeyFile,
  kafkaTopicPrefix,
  logLevel,
} from './settings.js';
export { readKafkaSasl, readKafkaTls } from './kafka-sasl.js';
export type { KafkaSaslCredentials } from './kafka-sasl.js';
