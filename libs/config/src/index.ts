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
  kafkaSslCaFile,
  kafkaSslCertFile,
  kafkaSslKeyFile,
  kafkaTopicPrefix,
  logLevel,
} from './settings.js';
