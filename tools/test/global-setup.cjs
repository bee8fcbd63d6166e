'use strict';
// Runs once before the whole jest run: a real broker (the project's own unless
// KAFKA_BROKERS points at one), a migrated test database, and compiled services
// for tests that run them as real processes. Environment set here reaches the
// test workers, which start after it.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const say = (msg) => process.stderr.write(`[test setup] ${msg}\n`);

module.exports = async () => {
  const started = Date.now();
  const kafka = require('../kafka/kafka.cjs');
  // HUB_KAFKA_DIR / HUB_KAFKA_PORT choose another broker instance (docs/kafka.md "A second broker").
  const { brokers, startedByUs, sasl } = await kafka.start({ log: say });
  process.env.KAFKA_BROKERS = brokers;
  // A broker that requires SASL: in-process test clients (@hub/kafka/testing testSasl) and the hub
  // launcher (tools/hub/hub.mjs, which provisions each service's own principal) act as its super
  // user. The password stays in its file; only the file's path is in the environment.
  if (sasl) {
    process.env.KAFKA_SASL_MECHANISM = sasl.mechanism;
    process.env.KAFKA_SASL_USERNAME = sasl.username;
    process.env.KAFKA_SASL_PASSWORD_FILE = sasl.passwordFile;
  } else {
    for (const v of ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD_FILE']) delete process.env[v];
  }
  // Teardown stops only a broker this run started itself.
  globalThis.__HUB_TEST_KAFKA_STARTED__ = startedByUs;

  // Tests truncate and recreate tables: they get their own database, never DATABASE_URL's.
  const testDb = process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/samhandling_test';
  process.env.DATABASE_URL = testDb;
  // In a child process: the migration engine's connection pool would otherwise keep
  // jest's parent process alive after the run.
  execFileSync(process.execPath, [path.join(root, 'tools/db/migrate.cjs'), 'deploy'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: testDb },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  say(`database ready (${new URL(testDb).pathname.slice(1)})`);

  // Services run as real processes in end-to-end tests: compile them once
  // (HUB_TEST_SKIP_BUILD=1 skips it when dist/ is known to be current).
  // npm run build also links the aliases the services resolve through dist/node_modules.
  if (process.env.HUB_TEST_SKIP_BUILD !== '1') execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s (brokers ${brokers}${sasl ? `, SASL as ${sasl.username}` : ''})`);
};
