import { dlqCommand } from './dlq.command.js';
import { receiveCommand } from './receive.command.js';
import { validateCommand } from './validate.command.js';
import { ExitCode, UsageError, type CliCommand, type CliIo } from './cli.types.js';

/**
 * The subcommands. `dlq` is here for the help text only: tools/plo/plo.mjs runs it from
 * libs/kafka (see dlq.command.ts).
 */
export const COMMANDS: readonly CliCommand[] = [validateCommand, receiveCommand, dlqCommand];

const usage = (commands: readonly CliCommand[]) =>
  ['usage: plo <command> [args]', '', 'commands:', ...commands.map((c) => `  ${c.usage}\n      ${c.summary}`)].join('\n');

/** Runs `plo` with the given arguments; returns the exit code (never calls process.exit). */
export async function runCli(args: readonly string[], io: CliIo, commands: readonly CliCommand[] = COMMANDS): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(usage(commands));
    return name === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`plo: unknown command '${name}'\n\n${usage(commands)}`);
    return ExitCode.USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: ${command.usage}`);
    return ExitCode.OK;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`plo ${name}: ${err.message}\nusage: ${command.usage}`);
      return ExitCode.USAGE;
    }
    throw err;
  }
}
