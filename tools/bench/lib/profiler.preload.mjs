// Loaded into each service with NODE_OPTIONS=--import (Node 20 refuses --cpu-prof there) when
// the benchmark runs with --profile: SIGWINCH starts the V8 sampling profiler, the next SIGWINCH
// stops it and writes <BENCH_PROFILE_DIR>/<pid>.cpuprofile, so a profile covers exactly one
// measured window rather than the boot. SIGWINCH because its default action is to ignore it and
// Nest's enableShutdownHooks() does not listen to it (SIGUSR2 shuts a Nest app down).
import inspector from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  let running = false;
  process.on('SIGWINCH', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 1000 }, () => session.post('Profiler.start')));
      return;
    }
    running = false;
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
