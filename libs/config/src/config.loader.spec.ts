import { z } from 'zod';
import { ConfigError } from './config.error.js';
import { loadConfig, setting } from './config.loader.js';
import { databaseUrl, httpPort, kafkaBrokers, logLevel } from './settings.js';

const spec = { brokers: kafkaBrokers, db: databaseUrl, port: httpPort('INTAKE_PORT', 3000), level: logLevel };

describe('loadConfig', () => {
  it('applies defaults when nothing is set', () => {
    const cfg = loadConfig(spec, {});
    expect(cfg.brokers).toEqual(['127.0.0.1:9092']);
    expect(cfg.db).toBe('postgresql://postgres@127.0.0.1:5432/samhandling');
    expect(cfg.port).toBe(3000);
    expect(cfg.level).toBe('info');
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  it('parses a broker list', () => {
    expect(loadConfig(spec, { KAFKA_BROKERS: 'a:9092, b.example:9093' }).brokers).toEqual(['a:9092', 'b.example:9093']);
  });

  it('fails naming KAFKA_BROKERS when it is not a broker list', () => {
    expect(() => loadConfig(spec, { KAFKA_BROKERS: 'not a broker list' })).toThrow(
      /KAFKA_BROKERS: expected a comma-separated list of host:port \(got "not a broker list"\)/,
    );
  });

  it('names every bad variable at once and never echoes a secret', () => {
    let error: unknown;
    try {
      loadConfig(spec, { INTAKE_PORT: '99999', DATABASE_URL: 'mysql://user:hunter2@x/db', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const err = error as ConfigError;
    expect(err.issues.map((i) => i.variable).sort()).toEqual(['DATABASE_URL', 'INTAKE_PORT', 'LOG_LEVEL']);
    expect(err.message).not.toContain('hunter2');
    expect(err.code).toBe('CONFIG.INVALID');
    expect(err.retriable).toBe(false);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ x: setting('X', z.string().default('d')) }, { X: '' }).x).toBe('d');
  });
});
