import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PloValidator } from '../validation/plo.validator.js';
import { ReceiverSession, type ReceiverConfig } from '../receiver/index.js';
import { ExitCode, maskPersonNumbers, parseArgs, UsageError, type CliCommand } from './cli.types.js';

const OPTIONS = ['known-patients', 'known-services', 'apprec-dir'] as const;

async function readIdList(file: string, what: string): Promise<ReadonlySet<string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--${what}: cannot read a JSON array from ${file} (${(err as NodeJS.ErrnoException).code ?? 'invalid JSON'})`);
  }
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string' || typeof x === 'number')) {
    throw new UsageError(`--${what}: ${file} must hold a JSON array of ids`);
  }
  return new Set(parsed.map((x) => String(x).trim()));
}

/** File-name-safe part (MsgIds are not trusted: they may be anything). */
const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80) || '_';

/**
 * `plo receive FILE... [--known-patients F] [--known-services F] [--apprec-dir DIR]`: treats the
 * files, in order, as one receiver's incoming stream and prints one JSON line per file
 * `{"file","msgId","type","apprecs":[{"receiverHerId","role","status","errors"}],"warnings","duplicateOf"?}`.
 * Exit 0 when every file was read, 1 if a file could not be read, 2 on a usage error.
 */
export const receiveCommand: CliCommand = {
  name: 'receive',
  summary: 'decide the AppRecs a receiver sends for a stream of incoming messages',
  usage: 'plo receive FILE... [--known-patients F] [--known-services F] [--apprec-dir DIR]',
  async run(args, io) {
    const { positional, options } = parseArgs(args, OPTIONS);
    if (positional.length === 0) throw new UsageError('no files given');
    const patients = options.get('known-patients');
    const services = options.get('known-services');
    const apprecDir = options.get('apprec-dir');
    const config: ReceiverConfig = {
      ...(patients ? { knownPatients: await readIdList(patients, 'known-patients') } : {}),
      ...(services ? { knownServices: await readIdList(services, 'known-services') } : {}),
      softwareName: 'samhandling-hub plo',
    };
    if (apprecDir) await mkdir(apprecDir, { recursive: true });
    const validator = await PloValidator.create();
    let exit: number = ExitCode.OK;
    try {
      const session = new ReceiverSession(config, (xml) => validator.validate(xml));
      for (const file of positional) {
        let bytes: Uint8Array;
        try {
          bytes = await readFile(file);
        } catch (err) {
          io.out(JSON.stringify({ file, msgId: null, type: null, apprecs: [], warnings: [`FILE.UNREADABLE: ${(err as NodeJS.ErrnoException).code ?? 'error'}`] }));
          exit = ExitCode.FAILED;
          continue;
        }
        const o = session.receive(bytes, file);
        if (apprecDir) {
          for (const a of o.apprecs) await writeFile(join(apprecDir, `${safe(o.msgId ?? 'unknown')}_${safe(a.receiverHerId)}_${a.role}.xml`), a.xml);
        }
        io.out(
          JSON.stringify({
            file,
            msgId: o.msgId ?? null,
            type: o.type ?? null,
            apprecs: o.apprecs.map((a) => ({ receiverHerId: a.receiverHerId, role: a.role, status: a.status, errors: a.errors })),
            warnings: o.warnings.map(maskPersonNumbers),
            ...(o.duplicateOf !== undefined ? { duplicateOf: o.duplicateOf } : {}),
          }),
        );
      }
    } finally {
      validator.dispose();
    }
    return exit;
  },
};
