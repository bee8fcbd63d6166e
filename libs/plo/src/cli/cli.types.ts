/** Where a command writes: stdout gets the JSON data lines, stderr the human messages. */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** One `plo` subcommand. Returns the process exit code. */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** Exit codes shared by all subcommands. */
export const ExitCode = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** A usage error: reported with the command's usage text and exit code 2. */
export class UsageError extends Error {
  readonly code = 'CLI.USAGE' as const;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const PERSON_NUMBER = /(?<!\d)\d{11}(?!\d)/g;
/**
 * Masks anything shaped like a person number in a free-text message (validator messages may
 * quote element values). Data fields of the output are not passed through this.
 */
export const maskPersonNumbers = (text: string): string => text.replace(PERSON_NUMBER, '***********');

/** Splits `args` into positional arguments and `--name value` / `--name=value` options. */
export function parseArgs(args: readonly string[], valued: readonly string[]): { positional: string[]; options: Map<string, string> } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (!valued.includes(name)) throw new UsageError(`unknown option --${name}`);
    const value = eq < 0 ? args[++i] : a.slice(eq + 1);
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
    if (options.has(name)) throw new UsageError(`--${name} given twice`);
    options.set(name, value);
  }
  return { positional, options };
}
