// Loaded into each service with NODE_OPTIONS=--import when the benchmark runs with --census: counts
// the SQL statements the process sends (pg's Client.query, which Prisma's pg adapter and the
// ledger's raw statements both go through) and the Kafka requests by API (kafkajs' Connection.send)
// between two SIGWINCH, the measured window, and writes <BENCH_CENSUS_DIR>/<pid>.census.json.
// Counts, unlike CPU times, do not move with a busy machine's speed: a change that saves a round
// trip shows as one fewer statement per closed message whatever else the machine does.
// SIGWINCH as in profiler.preload.mjs (Nest's shutdown hooks do not listen to it).
import { createRequire } from 'node:module';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.env.BENCH_CENSUS_DIR;
if (dir) {
  // The services' own copies: the CommonJS cache is shared with their imports of these packages.
  const require = createRequire(path.join(process.cwd(), 'package.json'));
  const counts = { statements: 0, kafka: {}, byStatement: {} };
  let counting = false;

  const pg = require('pg');
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function countedQuery(...args) {
    if (counting) {
      counts.statements++;
      // Which statements: the text's start, whitespace collapsed (values are parameters, never in it).
      const text = typeof args[0] === 'string' ? args[0] : args[0]?.text ?? args[0]?.name ?? '?';
      const key = String(text).replace(/\s+/g, ' ').trim().slice(0, 120);
      counts.byStatement[key] = (counts.byStatement[key] ?? 0) + 1;
    }
    return query.apply(this, args);
  };

  const Connection = require('kafkajs/src/network/connection.js');
  const send = Connection.prototype.send;
  Connection.prototype.send = function countedSend(req) {
    if (counting) {
      const api = req?.request?.apiName ?? 'unknown';
      counts.kafka[api] = (counts.kafka[api] ?? 0) + 1;
    }
    return send.call(this, req);
  };

  process.on('SIGWINCH', () => {
    if (!counting) {
      counts.statements = 0;
      counts.kafka = {};
      counts.byStatement = {};
      counting = true;
      return;
    }
    counting = false;
    mkdirSync(dir, { recursive: true });
    // Written aside and renamed: the benchmark reads the file as soon as it exists.
    const file = path.join(dir, `${process.pid}.census.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(counts));
    renameSync(`${file}.tmp`, file);
  });
}
