// `npm start`: the whole hub on embedded defaults (see hub.mjs). Ctrl-C stops it.
import { startHub } from './hub.mjs';

const say = (m) => process.stdout.write(`[hub] ${m}\n`);
try {
  const hub = await startHub({ log: say });
  say('Ctrl-C stops the hub.');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say('stopping …');
    await hub.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // A service that dies takes the hub down with it: half a pipeline is worse than none.
  for (const [name, c] of hub.children) {
    c.exited.then(async (how) => {
      if (stopping) return;
      say(`${name} exited (${how}); stopping the hub`);
      stopping = true;
      await hub.stop();
      process.exit(1);
    });
  }
} catch (err) {
  process.stderr.write(`[hub] failed to start: ${err.message}\n`);
  process.exit(1);
}
