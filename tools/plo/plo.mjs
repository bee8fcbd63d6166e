#!/usr/bin/env node
// `npx plo …`: the PLO command-line tool (libs/plo/src/cli). Works on a clean clone after
// `npm ci`: compiles libs/plo (and what it imports) into dist/ when the output is missing or
// older than a source file, then runs dist/libs/plo/src/cli/main.js with the @hub/* alias hooks.
// Only libs/plo is compiled (tools/plo/tsconfig.plo.json), so a half-finished service elsewhere
// in the repo cannot break the tool. Build messages go to stderr; stdout stays JSON lines.
// `plo dlq …` needs the Kafka and database clients, which libs/plo (a domain lib) may not
// import: it runs libs/kafka/src/dead-letter.main.ts instead, built the same way from
// tools/plo/tsconfig.dlq.json (that entry point and what it imports).
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '../..');
const dlq = process.argv[2] === 'dlq';
const entry = path.join(root, dlq ? 'dist/libs/kafka/src/dead-letter.main.js' : 'dist/libs/plo/src/cli/main.js');
const tsconfig = path.join(root, dlq ? 'tools/plo/tsconfig.dlq.json' : 'tools/plo/tsconfig.plo.json');
const libs = dlq ? ['kafka', 'ledger', 'config', 'contracts', 'errors', 'observability'] : ['plo', 'errors'];
const sources = [...libs.map((lib) => path.join(root, 'libs', lib, 'src')), path.join(root, 'tsconfig.base.json'), tsconfig, import.meta.filename];

function newestMtime(p) {
  let st;
  try {
    st = statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return /\.(int-)?spec\.ts$/.test(p) ? 0 : st.mtimeMs;
  return readdirSync(p).reduce((m, name) => Math.max(m, newestMtime(path.join(p, name))), st.mtimeMs);
}

function builtAt() {
  try {
    return statSync(entry).mtimeMs;
  } catch {
    return -1;
  }
}

if (process.env.PLO_SKIP_BUILD !== '1' && builtAt() < Math.max(...sources.map(newestMtime))) {
  process.stderr.write(`plo: compiling ${dlq ? 'the dlq tool (libs/kafka, libs/ledger and their imports)' : 'libs/plo'} into dist/ …\n`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', tsconfig], { cwd: root, stdio: ['ignore', 2, 2] });
  } catch {
    process.stderr.write('plo: tsc reported errors (output emitted anyway)\n');
    // tsc still emits on type errors; only a missing entry point is fatal.
    if (builtAt() < 0) {
      process.stderr.write('plo: build failed\n');
      process.exit(1);
    }
  }
  // An incremental build that had nothing to emit leaves main.js old: mark it current.
  const now = new Date();
  utimesSync(entry, now, now);
}

await import(pathToFileURL(path.join(root, 'tools/runtime/register.mjs')).href);
await import(pathToFileURL(entry).href);
