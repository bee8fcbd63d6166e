import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../../..');

/** Runs the compiled intake service as a real process, as the hub and the image run it (the jest global setup builds and links dist/). */
function startIntake(env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['dist/apps/intake/src/main.js'],
    { cwd: root, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  // Nest re-raises the signal after a graceful shutdown, so a clean stop ends by SIGTERM.
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return { child, exited, stderr: () => stderr };
}

async function waitForReady(url: string, timeoutMs = 30000): Promise<Response> {
  const started = Date.now();
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.status === 200) return res;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${url} not ready in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('intake service process', () => {
  it('stops at boot with exit code 78 and a message naming KAFKA_BROKERS when it is not a broker list', async () => {
    const svc = startIntake({ KAFKA_BROKERS: 'not a broker list' });
    expect(await svc.exited).toBe(78);
    expect(svc.stderr()).toContain('KAFKA_BROKERS: expected a comma-separated list of host:port');
  });

  it('starts against the real broker, reports ready, serves metrics and stops cleanly on SIGTERM', async () => {
    const port = 38000 + Math.floor(Math.random() * 1000);
    const svc = startIntake({ INTAKE_PORT: String(port) });
    try {
      const ready = await waitForReady(`http://127.0.0.1:${port}/health/ready`);
      expect(await ready.json()).toMatchObject({ status: 'ok', info: { kafka: { status: 'up' } } });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('process_cpu_user_seconds_total{service="intake"}');
    } finally {
      svc.child.kill('SIGTERM');
    }
    expect([0, 'SIGTERM']).toContain(await svc.exited);
  });
});
