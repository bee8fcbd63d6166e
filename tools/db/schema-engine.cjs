'use strict';
// The Prisma schema engine compiled to WebAssembly (@prisma/schema-engine-wasm), driven
// through the pg driver adapter. The Prisma CLI wants a native schema engine that it
// downloads on first use; the hub builds and deploys offline, so migrations run here.
//
// The package's entry is ESM that imports the .wasm file directly, which Node 20 cannot
// load, and a dynamic import() from CommonJS needs --experimental-vm-modules under jest.
// So the wasm-bindgen glue (schema_engine_bg.js, plain functions and one class) is
// evaluated as a CommonJS function body here, and the module is instantiated from its
// bytes. One instance per process: the glue keeps the wasm exports in a module variable.
const fs = require('node:fs');
const path = require('node:path');

const PACKAGE = '@prisma/schema-engine-wasm';
const NO_FILTER = Object.freeze({ externalTables: [], externalEnums: [] });

let loading;

/** @returns {Promise<{ SchemaEngine: any, version: () => string }>} */
function loadSchemaEngine() {
  loading ??= instantiate();
  return loading;
}

async function instantiate() {
  const glueFile = require.resolve(`${PACKAGE}/schema_engine_bg`);
  const wasmFile = path.join(path.dirname(glueFile), 'schema_engine_bg.wasm');
  const glue = evaluateGlue(fs.readFileSync(glueFile, 'utf8'), glueFile);
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmFile), {
    './schema_engine_bg.js': glue,
  });
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return glue;
}

function evaluateGlue(source, file) {
  const names = [];
  const body = source.replace(/^export (function|class) ([A-Za-z0-9_$]+)/gm, (_, kind, name) => {
    names.push(name);
    return `${kind} ${name}`;
  });
  if (/^\s*(export|import)\s/m.test(body) || !names.includes('SchemaEngine') || !names.includes('__wbg_set_wasm')) {
    // A new wasm-bindgen output shape: fail loudly rather than half-load the engine.
    throw new Error(`${file}: unexpected module shape; update tools/db/schema-engine.cjs for this ${PACKAGE} version`);
  }
  // `module` is passed because the glue's getrandom fallback reads module.require.
  const factory = new Function('module', `${body}\nreturn { ${names.join(', ')} };`);
  return factory(module);
}

/**
 * Opens a schema engine on the database described by `poolConfig`, runs `work(engine)`
 * and frees everything, also on failure.
 *
 * @param {import('pg').PoolConfig} poolConfig plain pg options, no connectionString: the
 *   adapter's shadow database overrides `database`, which a connectionString would win over.
 * @param {string} schema the Prisma schema text
 * @param {(engine: any) => Promise<T>} work
 * @param {{ onEngineLog?: (line: string) => void }} [options]
 * @template T
 */
async function withSchemaEngine(poolConfig, schema, work, options = {}) {
  const { SchemaEngine } = await loadSchemaEngine();
  const { bindMigrationAwareSqlAdapterFactory } = require('@prisma/driver-adapter-utils');
  const factory = new MigrationPgFactory(poolConfig);
  const adapter = bindMigrationAwareSqlAdapterFactory(factory);
  const engine = await SchemaEngine.new(
    { datamodels: [['schema.prisma', schema]] },
    (line) => options.onEngineLog?.(line),
    adapter,
  );
  try {
    return await work(engine);
  } finally {
    engine.free();
    // free() does not dispose the adapter's connections; a session left open would keep
    // migrate's advisory lock and, in a long-lived process (jest), the event loop.
    await factory.disposeAll();
  }
}

/**
 * PrismaPg with two fixes the schema engine needs from @prisma/adapter-pg 7.10:
 * - The engine's catalog queries return PostgreSQL's internal one-byte `"char"` type
 *   (pg_class.relkind, pg_constraint.contype, ...), which the adapter rejects ("Column type
 *   'char' could not be deserialized"): describing a database, so any diff from migrations
 *   or a live database, fails. pg already parses the values to strings, so the connections
 *   report the column as text (CharAsTextClient).
 * - The adapter drops the shadow database while its own pool still holds a connection
 *   ("database ... is being accessed by other users") and never ends the pool it issued
 *   CREATE DATABASE from. Here the shadow pool is ended first and the database is dropped
 *   WITH (FORCE) from a short-lived connection.
 */
class MigrationPgFactory {
  constructor(poolConfig) {
    const { PrismaPg } = require('@prisma/adapter-pg');
    this.PrismaPg = PrismaPg;
    this.poolConfig = { ...poolConfig, Client: charAsTextClient() };
    this.main = new PrismaPg(this.poolConfig);
    this.opened = [];
    this.provider = this.main.provider;
    this.adapterName = this.main.adapterName;
  }

  async connect() {
    const connection = await this.main.connect();
    this.opened.push(connection);
    return connection;
  }

  async disposeAll() {
    const opened = this.opened.splice(0);
    // Already disposed by the engine is fine: pg then refuses a second end().
    await Promise.all(opened.map((connection) => connection.dispose().catch(() => {})));
  }

  async connectToShadowDb() {
    const { randomUUID } = require('node:crypto');
    const database = `prisma_migrate_shadow_db_${randomUUID()}`;
    await this.admin(`CREATE DATABASE "${database}"`);
    const shadow = await new this.PrismaPg({ ...this.poolConfig, database }).connect();
    const release = shadow.dispose.bind(shadow);
    let disposed;
    shadow.dispose = () => {
      disposed ??= release()
        .catch(() => {})
        .then(() => this.admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
      return disposed;
    };
    this.opened.push(shadow);
    return shadow;
  }

  async admin(sql) {
    const { Client } = require('pg');
    const client = new Client(this.poolConfig);
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;
let CharAsTextClient;

function charAsTextClient() {
  if (CharAsTextClient) return CharAsTextClient;
  const pg = require('pg');
  const relabel = (result) => {
    for (const each of Array.isArray(result) ? result : [result]) {
      for (const field of each?.fields ?? []) if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
    }
    return result;
  };
  CharAsTextClient = class extends pg.Client {
    query(config, values, callback) {
      if (typeof values === 'function') [values, callback] = [undefined, values];
      if (typeof callback === 'function') {
        return super.query(config, values, (error, result) => callback(error, error ? result : relabel(result)));
      }
      const pending = super.query(config, values);
      return pending && typeof pending.then === 'function' ? pending.then(relabel) : pending;
    }
  };
  return CharAsTextClient;
}

module.exports = { loadSchemaEngine, withSchemaEngine, NO_FILTER };
