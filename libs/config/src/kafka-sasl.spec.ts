import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from './config.error.js';
import { readKafkaSasl } from './kafka-sasl.js';
import { loadConfig } from './config.loader.js';
import { kafkaSaslMechanism, kafkaSaslPasswordFile, kafkaSaslUsername } from './settings.js';

const spec = { kafkaSaslMechanism, kafkaSaslUsername, kafkaSaslPasswordFile };

describe('Kafka SASL settings', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kafka-sasl-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const secret = (name: string, content: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, content, { mode: 0o600 });
    return file;
  };

  it('is off when neither username nor password file is set', () => {
    expect(readKafkaSasl(loadConfig(spec, {}))).toBeUndefined();
  });

  it('reads the password from its file (trailing newline dropped), SCRAM-SHA-512 by default', () => {
    const file = secret('validation.password', 's3cret-value\n');
    expect(readKafkaSasl(loadConfig(spec, { KAFKA_SASL_USERNAME: 'validation', KAFKA_SASL_PASSWORD_FILE: file }))).toEqual({
      mechanism: 'scram-sha-512',
      username: 'validation',
      password: 's3cret-value',
    });
  });

  it('refuses a mechanism other than SCRAM, naming the variable', () => {
    expect(() => loadConfig(spec, { KAFKA_SASL_MECHANISM: 'plain' })).toThrow(/KAFKA_SASL_MECHANISM/);
  });

  it('refuses a username with characters a principal cannot have', () => {
    expect(() => loadConfig(spec, { KAFKA_SASL_USERNAME: 'User:admin' })).toThrow(/KAFKA_SASL_USERNAME/);
  });

  it('needs both the username and the password file', () => {
    const file = secret('x.password', 'pw\n');
    expect(() => readKafkaSasl(loadConfig(spec, { KAFKA_SASL_USERNAME: 'intake' }))).toThrow(/KAFKA_SASL_PASSWORD_FILE: required when KAFKA_SASL_USERNAME is set/);
    expect(() => readKafkaSasl(loadConfig(spec, { KAFKA_SASL_PASSWORD_FILE: file }))).toThrow(/KAFKA_SASL_USERNAME: required/);
  });

  it('fails as a config error on a missing, unreadable or empty file, without showing its content', () => {
    const missing = path.join(dir, 'nope.password');
    let error: unknown;
    try {
      readKafkaSasl(loadConfig(spec, { KAFKA_SASL_USERNAME: 'intake', KAFKA_SASL_PASSWORD_FILE: missing }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(`cannot read ${missing}: ENOENT`);

    const empty = secret('empty.password', '\n');
    expect(() => readKafkaSasl(loadConfig(spec, { KAFKA_SASL_USERNAME: 'intake', KAFKA_SASL_PASSWORD_FILE: empty }))).toThrow(/is empty/);

    if (process.getuid?.() !== 0) {
      const locked = secret('locked.password', 'hidden-password\n');
      chmodSync(locked, 0o000);
      expect(() => readKafkaSasl(loadConfig(spec, { KAFKA_SASL_USERNAME: 'intake', KAFKA_SASL_PASSWORD_FILE: locked }))).toThrow(/EACCES/);
    }
  });
});
