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
