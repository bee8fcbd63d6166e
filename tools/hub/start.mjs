// `npm start`: runs the whole hub on one machine with embedded defaults — the
// project's Kafka broker (unless KAFKA_BROKERS), the database (DATABASE_URL, else
// the local server), migrations, and every service in apps/ as its own process.
// Ctrl-C stops the services, then the broker if this script started it.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '../..');
const say = (msg) => process.stdout.write(`[hub] ${msg}\n`);

/** Services and the port variable each reads; ports count up from 3000 in this order. */
const SERVICES = fs
  .readdirSync(path.join(root, 'apps'))
  .filter((name) => fs.existsSync(path.join(root, 'apps', name, 'src', 'main.ts')))
  .sort((a, b) => (a === 'intake' ? -1 : b === 'intake' ? 1 : a.localeCompare(b)));

async function main() {
  say('starting Kafka …');
  const kafka = require('../kafka/kafka.cjs');
  const { brokers, startedByUs } = await kafka.start({ log: (m) => say(m) });
  process.env.KAFKA_BROKERS = brokers;

  say('migrating the database …');
  const { migrate, DEFAULT_DATABASE_URL } = require('../db/migrate.cjs');
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  process.env.DATABASE_URL = databaseUrl;
  await migrate(databaseUrl, { log: (m) => say(m) });

  const children = [];
  let stopping = false;
  const stopAll = async (code) => {
    if (stopping) return;
    stopping = true;
    say('stopping services …');
    for (const c of children) c.proc.kill('SIGTERM');
    await Promise.all(children.map((c) => c.exited));
    if (startedByUs) await kafka.stop({ log: (m) => say(m) });
    process.exit(code);
  };
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));

  SERVICES.forEach((name, i) => {
    const portVar = `${name.toUpperCase().replace(/-/g, '_')}_PORT`;
    const port = process.env[portVar] || String(3000 + i);
    const proc = spawn(process.execPath, ['--import', './tools/runtime/register.mjs', `dist/apps/${name}/src/main.js`], {
      cwd: root,
      env: { ...process.env, [portVar]: port },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const exited = new Promise((resolve) =>
      proc.on('exit', (code, signal) => {
        if (!stopping) {
          say(`${name} exited (${code ?? signal}); stopping the hub`);
          stopAll(1);
        }
        resolve();
      }),
    );
    children.push({ name, port, proc, exited });
  });

  for (const c of children) {
    await waitForReady(c);
    say(`${c.name.padEnd(16)} http://127.0.0.1:${c.port}  (health /health/ready, metrics /metrics)`);
  }
  say(`hub running: brokers ${brokers}, database ${new URL(databaseUrl).pathname.slice(1)}. Ctrl-C stops it.`);
}

async function waitForReady(c, timeoutMs = 60000) {
  const started = Date.now();
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${c.port}/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${c.name} not ready after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

main().catch((err) => {
  process.stderr.write(`[hub] failed to start: ${err.message}\n`);
  process.exit(1);
});
