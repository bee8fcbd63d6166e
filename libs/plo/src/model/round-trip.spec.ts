import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PloValidator } from '../validation/plo.validator.js';
import { buildAppRec } from './apprec.builder.js';
import { parseDocument, type ParsedDocument } from './message.parser.js';
import { buildMsgHead } from './msghead.builder.js';

const SAMPLES = join(dirname(fileURLToPath(import.meta.url)), '../../test-fixtures/samples');

function xmlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'ebxml' ? [] : xmlFiles(p);
    return name.endsWith('.xml') ? [p] : [];
  });
}

const build = (d: ParsedDocument) => (d.kind === 'MsgHead' ? buildMsgHead(d.message) : buildAppRec(d.appRec));

/**
 * Namespace bindings are not model fields: a detached payload re-declares the bindings it
 * inherited. Compare element names by resolved namespace, and drop the declarations.
 */
const comparable = (d: ParsedDocument) =>
  JSON.parse(
    JSON.stringify(d, (k, v) => {
      if (k === 'scope') return undefined;
      if (k === 'attrs') return (v as { name: string }[]).filter((a) => a.name !== 'xmlns' && !a.name.startsWith('xmlns:'));
      return v;
    }),
  );

describe('round trip parse → build → validate over the official samples', () => {
  let validator: PloValidator;
  beforeAll(async () => {
    validator = await PloValidator.create();
  });
  afterAll(() => validator?.dispose());

  const files = xmlFiles(SAMPLES);
  it('finds the samples', () => expect(files.length).toBeGreaterThanOrEqual(40));

  it.each(files.map((f) => [relative(SAMPLES, f), f]))('%s: rebuilt message validates and keeps every modelled field', (_name, file) => {
    const original = parseDocument(readFileSync(file));
    const rebuilt = build(original);
    const result = validator.validate(rebuilt);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(comparable(parseDocument(rebuilt))).toEqual(comparable(original));
  });
});
