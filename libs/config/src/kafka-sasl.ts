import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigIssue } from './config.error.js';

/** What a Kafka client needs to authenticate with SASL/SCRAM (kafkajs' `sasl` option). */
export interface KafkaSaslCredentials {
  mechanism: 'scram-sha-512' | 'scram-sha-256';
  username: string;
  password: string;
}

/**
 * Reads the SASL password file once at boot: credentials when KAFKA_SASL_USERNAME and
 * KAFKA_SASL_PASSWORD_FILE are both set, undefined when neither is.
 * @throws ConfigError when only one is set, or the file cannot be read or is empty (the
 *   message names the file, never its content).
 */
export function readKafkaSasl(c: {
  kafkaSaslMechanism: KafkaSaslCredentials['mechanism'];
  kafkaSaslUsername?: string;
  kafkaSaslPasswordFile?: string;
}): KafkaSaslCredentials | undefined {
  const { kafkaSaslUsername: username, kafkaSaslPasswordFile: file } = c;
  if (!username && !file) return undefined;
  const issues: ConfigIssue[] = [];
  if (!username) issues.push({ variable: 'KAFKA_SASL_USERNAME', message: 'required when KAFKA_SASL_PASSWORD_FILE is set' });
  if (!file) issues.push({ variable: 'KAFKA_SASL_PASSWORD_FILE', message: 'required when KAFKA_SASL_USERNAME is set' });
  let password = '';
  if (file) {
    try {
      password = readFileSync(file, 'utf8').trim();
      if (!password) issues.push({ variable: 'KAFKA_SASL_PASSWORD_FILE', message: `${file} is empty` });
    } catch (err) {
      issues.push({ variable: 'KAFKA_SASL_PASSWORD_FILE', message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return { mechanism: c.kafkaSaslMechanism, username: username!, password };
}

/**
 * Reads the mutual-TLS files once at boot: all three or none.
 * @throws ConfigError naming what is missing or unreadable (never the content).
 */
export function readKafkaTls(c: { kafkaSslCaFile?: string; kafkaSslCertFile?: string; kafkaSslKeyFile?: string }): { ca: string; cert: string; key: string } | undefined {
  const files = { KAFKA_SSL_CA_FILE: c.kafkaSslCaFile, KAFKA_SSL_CERT_FILE: c.kafkaSslCertFile, KAFKA_SSL_KEY_FILE: c.kafkaSslKeyFile };
  if (Object.values(files).every((f) => !f)) return undefined;
  const issues: ConfigIssue[] = [];
  const read = (variable: keyof typeof files): string => {
    const file = files[variable];
    if (!file) {
      issues.push({ variable, message: 'required when any KAFKA_SSL_* file is set' });
      return '';
    }
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      issues.push({ variable, message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` });
      return '';
    }
  };
  const tls = { ca: read('KAFKA_SSL_CA_FILE'), cert: read('KAFKA_SSL_CERT_FILE'), key: read('KAFKA_SSL_KEY_FILE') };
  if (issues.length > 0) throw new ConfigError(issues);
  return tls;
}
