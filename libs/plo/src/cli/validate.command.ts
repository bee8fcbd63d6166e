import { validateFiles } from '../validation/validate-files.js';
import { ExitCode, maskPersonNumbers, parseArgs, UsageError, type CliCommand } from './cli.types.js';

/**
 * `plo validate FILE...`: one JSON line per file
 * `{"file","valid","type","version","errors":[{"code","message","line"}]}`;
 * exit 0 if all are valid, 1 if any is not, 2 on a usage error.
 */
export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'validate MsgHead (PLO, Dialogmelding) and AppRec files against the official XSDs',
  usage: 'plo validate FILE...',
  async run(args, io) {
    const { positional } = parseArgs(args, []);
    if (positional.length === 0) throw new UsageError('no files given');
    const reports = await validateFiles(positional);
    for (const r of reports) {
      io.out(
        JSON.stringify({
          file: r.file,
          valid: r.valid,
          type: r.type ?? null,
          version: r.version ?? null,
          errors: r.errors.map((e) => ({ code: e.code, message: maskPersonNumbers(e.message), line: e.line ?? null })),
        }),
      );
    }
    return reports.every((r) => r.valid) ? ExitCode.OK : ExitCode.FAILED;
  },
};
