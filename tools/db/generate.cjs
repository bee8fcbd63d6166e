#!/usr/bin/env node
'use strict';
// Generates the ledger's Prisma client into libs/ledger/src/generated/prisma (git-ignored),
// offline. Runs as the root package's postinstall, so a fresh clone has it after `npm ci`.
//
// `prisma generate` itself needs no engine, but the CLI first makes sure a native schema
// engine is present and downloads one when not, which fails without network. An
// executable named in PRISMA_SCHEMA_ENGINE_BINARY satisfies that check; it is never run
// for `generate` (migrations use the wasm engine: tools/db/migrate.cjs).
//
// Skipped when the client is up to date: the stamp records a hash of schema.prisma and the
// Prisma version, so a schema edit or a Prisma upgrade regenerates. `--force` always does.
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const SCHEMA_FILE = path.join(ROOT, 'libs/ledger/prisma/schema.prisma');
const OUTPUT_DIR = path.join(ROOT, 'libs/ledger/src/generated/prisma');
const STAMP_FILE = path.join(OUTPUT_DIR, '.schema-hash');

const log = (line) => console.log(`[db:generate] ${line}`);

function fingerprint() {
  const prismaVersion = require('prisma/package.json').version;
  const clientVersion = require('@prisma/client/package.json').version;
  return crypto
    .createHash('sha256')
    .update(`prisma ${prismaVersion}\n@prisma/client ${clientVersion}\n`)
    .update(fs.readFileSync(SCHEMA_FILE))
    .update(fs.readFileSync(__filename))
    .digest('hex');
}

function isUpToDate(hash) {
  return (
    fs.existsSync(STAMP_FILE) &&
    fs.readFileSync(STAMP_FILE, 'utf8').trim() === hash &&
    fs.existsSync(path.join(OUTPUT_DIR, 'client.ts'))
  );
}

/** A do-nothing executable for PRISMA_SCHEMA_ENGINE_BINARY, removed afterwards. */
function withPlaceholderEngine(work) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-prisma-'));
  const file = path.join(dir, process.platform === 'win32' ? 'schema-engine.cmd' : 'schema-engine');
  fs.writeFileSync(file, process.platform === 'win32' ? '@exit /b 0\r\n' : '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  try {
    return work(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function generate({ force = false } = {}) {
  if (!fs.existsSync(SCHEMA_FILE)) {
    // e.g. a container build that runs `npm ci` before copying the sources.
    log(`skipped: ${path.relative(ROOT, SCHEMA_FILE)} not present`);
    return 0;
  }
  const hash = fingerprint();
  if (!force && isUpToDate(hash)) {
    log('client up to date (schema.prisma unchanged); skipped');
    return 0;
  }
  const cli = require.resolve('prisma/build/index.js');
  const result = withPlaceholderEngine((engine) =>
    spawnSync(process.execPath, [cli, 'generate', '--schema', SCHEMA_FILE], {
      cwd: ROOT,
      stdio: 'inherit',
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: engine,
        // No telemetry or update check: both would reach for the network.
        CHECKPOINT_DISABLE: '1',
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
      },
    }),
  );
  if (result.error) throw result.error;
  if (result.status !== 0) {
    log(`prisma generate failed (exit ${result.status})`);
    return result.status ?? 1;
  }
  fs.writeFileSync(STAMP_FILE, `${hash}\n`);
  return 0;
}

if (require.main === module) {
  try {
    process.exit(generate({ force: process.argv.includes('--force') }));
  } catch (error) {
    console.error(`[db:generate] ${error && error.message ? error.message : error}`);
    process.exit(1);
  }
}

module.exports = { generate };
