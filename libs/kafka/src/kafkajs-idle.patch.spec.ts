import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { patchKafkajsIdleSpin } from './kafkajs-idle.patch.js';

const require = createRequire(import.meta.url);
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as new (opts: Record<string, unknown>) => {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  scheduleCheckPendingRequests(): void;
  destroy(): void;
};
const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const queue = () => new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 30000, enforceRequestTimeout: true, clientId: 'spec', broker: 'b:1', logger });

/** How often an idle queue checks its (empty) pending list in `ms` after one schedule call. */
async function idleChecks(ms: number): Promise<number> {
  const q = queue() as ReturnType<typeof queue> & { checkPendingRequests(): void };
  let checks = 0;
  const check = q.checkPendingRequests.bind(q);
  q.checkPendingRequests = () => {
    checks++;
    check();
  };
  q.scheduleCheckPendingRequests();
  await new Promise((r) => setTimeout(r, ms));
  q.destroy();
  return checks;
}

describe('patchKafkajsIdleSpin (kafkajs #1556)', () => {
  it('kafkajs 2.2.4 as shipped: an empty queue checks itself over and over (the idle spin)', () => {
    // In a plain Node process: in this one @hub/kafka (imported by the jest setup) has patched it already.
    const script = `
      const RQ = require(${JSON.stringify(require.resolve('kafkajs/src/network/requestQueue/index.js'))});
      const logger = { debug() {}, info() {}, warn() {}, error() {} };
      const q = new RQ({ maxInFlightRequests: 1, requestTimeout: 30000, enforceRequestTimeout: true, clientId: 'x', broker: 'b', logger });
      let n = 0; const check = q.checkPendingRequests.bind(q); q.checkPendingRequests = () => { n++; check(); };
      q.scheduleCheckPendingRequests();
      setTimeout(() => { process.stdout.write(String(n)); q.destroy(); }, 100);`;
    expect(Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))).toBeGreaterThan(20);
  });

  it('patched: an empty queue arms no timer; a pending request is still checked when the throttle ends', async () => {
    expect(patchKafkajsIdleSpin()).toBe(true);
    expect(patchKafkajsIdleSpin()).toBe(true);
    expect(await idleChecks(100)).toBe(0);
    const q = queue();
    try {
      q.pending.push({});
      q.throttledUntil = Date.now() + 500;
      q.scheduleCheckPendingRequests();
      expect(q.throttleCheckTimeoutId).not.toBeNull();
    } finally {
      q.destroy();
    }
  });
});
