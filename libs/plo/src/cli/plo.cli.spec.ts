import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './plo.cli.js';
import type { CliCommand } from './cli.types.js';

const SAMPLES = join(dirname(fileURLToPath(import.meta.url)), '../../test-fixtures/samples');
const INNLAGT = join(SAMPLES, 'plo-v1.6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml');
const INNLAGT_C = join(SAMPLES, 'plo-v1.6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Kansellering.xml');

async function run(args: string[], commands?: CliCommand[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, commands);
  return { code, out, err, json: out.map((l) => JSON.parse(l)) };
}

describe('plo CLI', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'plo-cli-'));

  it('exits 2 with usage for no command, an unknown command or missing files', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['validate'])).code).toBe(2);
    expect((await run(['receive', INNLAGT, '--bogus', 'x'])).code).toBe(2);
    expect((await run(['receive', INNLAGT, '--known-services'])).code).toBe(2);
  });

  it('validate prints one JSON line per file and exits 0 when all are valid', async () => {
    const r = await run(['validate', INNLAGT, INNLAGT_C]);
    expect(r.code).toBe(0);
    expect(r.json).toEqual([
      { file: INNLAGT, valid: true, type: 'LOG_INNLAGT', version: expect.any(String), errors: [] },
      { file: INNLAGT_C, valid: true, type: 'LOG_INNLAGT', version: expect.any(String), errors: [] },
    ]);
  });

  it('validate exits 1 when a file is invalid and reports code, message and line', async () => {
    const bad = join(tmp, 'bad.xml');
    writeFileSync(bad, readFileSync(INNLAGT, 'utf8').replace('</MsgInfo>', '<Extra/></MsgInfo>'));
    const r = await run(['validate', INNLAGT, bad]);
    expect(r.code).toBe(1);
    expect(r.json[1]).toMatchObject({ file: bad, valid: false, errors: [expect.objectContaining({ code: 'T02', message: expect.any(String), line: expect.any(Number) })] });
  });

  it('receive keeps state across files: early cancellation, duplicate; writes AppRecs', async () => {
    const services = join(tmp, 'services.json');
    writeFileSync(services, JSON.stringify(['5078']));
    const dir = join(tmp, 'apprecs');
    const r = await run(['receive', INNLAGT_C, INNLAGT, INNLAGT, '--known-services', services, '--apprec-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.json.map((j) => [j.type, j.apprecs.length, j.duplicateOf !== undefined])).toEqual([
      ['LOG_INNLAGT', 1, false], ['LOG_INNLAGT', 1, false], ['LOG_INNLAGT', 0, true],
    ]);
    expect(r.json[0].apprecs[0]).toEqual({ receiverHerId: '5078', role: 'PRIM', status: '1', errors: [] });
    expect(r.json[1].warnings).toContain('CHAIN.ORIGINAL_ALREADY_CANCELLED: do not import; a cancellation arrived first');
    expect(r.json[2].duplicateOf).toBe(INNLAGT);
    expect(readdirSync(dir).sort()).toEqual(['b088a160-0698-11e8-b566-0800200c9a66_5078_PRIM.xml', 'fcb43980-069a-11e8-b566-0800200c9a66_5078_PRIM.xml']);
    // No fødselsnummer in the output lines.
    expect(r.out.join('\n')).not.toMatch(/15076500565/);
  });

  it('receive rejects an unreadable id list as a usage error and reports an unreadable file with exit 1', async () => {
    const notJson = join(tmp, 'x.json');
    writeFileSync(notJson, '{"a":1}');
    expect((await run(['receive', INNLAGT, '--known-patients', notJson])).code).toBe(2);
    const r = await run(['receive', join(tmp, 'missing.xml')]);
    expect(r.code).toBe(1);
    expect(r.json[0].warnings[0]).toMatch(/^FILE\.UNREADABLE/);
  });

  it('dispatches to any registered command (room for `plo dlq`)', async () => {
    const dlq: CliCommand = { name: 'dlq', summary: 'dead letters', usage: 'plo dlq list', run: async (args, io) => (io.out(JSON.stringify(args)), 0) };
    expect(await run(['dlq', 'list'], [dlq])).toMatchObject({ code: 0, out: ['["list"]'] });
  });
});
