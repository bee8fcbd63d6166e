import { runCli } from './plo.cli.js';
import { maskPersonNumbers } from './cli.types.js';

// Entry point of `npx plo` (tools/plo/plo.mjs builds dist/ and loads this file).
runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`plo: ${maskPersonNumbers(err instanceof Error ? err.message : String(err))}\n`);
    process.exitCode = 1;
  },
);
