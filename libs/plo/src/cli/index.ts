export { runCli, COMMANDS } from './plo.cli.js';
export { ExitCode, UsageError } from './cli.types.js';
export type { CliCommand, CliIo } from './cli.types.js';
