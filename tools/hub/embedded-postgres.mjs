// Embedded PostgreSQL-compatible database for machines without a PostgreSQL server:
// PGlite (Postgres compiled to wasm) served over the wire protocol, so Prisma's pg
// adapter and the migration tool connect to it like to any server. Not for
// production: one process, one database (`postgres`), data under .data/pglite.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Starts the embedded server and resolves with its URL. `maxConnections` must be
 * above 1: every service keeps a small pool, and the default of 1 broke a pool of 4.
 */
export async function startEmbeddedPostgres({ dataDir, port = 5433, maxConnections = 100 } = {}) {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir });
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections });
  await server.start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/** True when a PostgreSQL server accepts TCP connections at host:port. */
export async function isListening(host, port, timeoutMs = 1000) {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

// `node tools/hub/embedded-postgres.mjs` runs it in the foreground (for trying it out).
if (import.meta.url === `file://${process.argv[1]}`) {
  const root = path.resolve(import.meta.dirname, '../..');
  const pg = await startEmbeddedPostgres({ dataDir: path.join(root, '.data/pglite') });
  process.stdout.write(`embedded PostgreSQL at ${pg.url}\n`);
  process.on('SIGINT', async () => {
    await pg.stop();
    process.exit(0);
  });
}
