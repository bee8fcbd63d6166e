import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { validateFiles } from '../validation/validate-files.js';
import { PloValidator } from '../validation/plo.validator.js';
import { loadLibxml2, parseXmlBytes } from './libxml2.adapter.js';
import { SafeXmlParser } from './xml.parser.js';
import { resolveXmlLimits } from './xml-limits.guard.js';

const MH = { mh: 'http://www.kith.no/xmlstds/msghead/2006-05-24' };
const SECRET = 'TOP-SECRET-3f9c1e7a';
const MB = 1024 * 1024;

let dir: string;
let secretFile: string;
let parser: SafeXmlParser;
let validator: PloValidator;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'plo-hostile-'));
  secretFile = path.join(dir, 'secret.txt');
  writeFileSync(secretFile, SECRET);
  parser = await SafeXmlParser.create();
  validator = await PloValidator.create();
});
afterAll(() => {
  validator.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const expectRejected = (xml: string | Uint8Array, code: 'T01' | 'T99') => {
  const outcome = parser.parse(xml);
  expect(outcome.ok).toBe(false);
  if (!outcome.ok) expect(outcome.error.code).toBe(code);
  const result = validator.validate(xml);
  expect(result.valid).toBe(false);
  expect(result.errors.map((e) => e.code)).toEqual([code]);
  return result;
};

const billionLaughs =
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
  Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('') +
  ']><lolz>&lol9;</lolz>';

describe('SafeXmlParser on hostile documents', () => {
  it('rejects an external entity pointing at a local file with T99 and never shows the file', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://${secretFile}">]><r>&x;</r>`;
    const result = expectRejected(xxe, 'T99');
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it('does not read the file even when the pre-scan is bypassed (libxml2 options alone)', async () => {
    await loadLibxml2();
    for (const ref of [`file://${secretFile}`, secretFile]) {
      const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "${ref}">]><r>&x;</r>`;
      const outcome = parseXmlBytes(new TextEncoder().encode(xxe));
      expect(outcome.ok).toBe(false); // a DOCTYPE that slipped through is still refused
      expect(JSON.stringify(outcome)).not.toContain(SECRET);
    }
  });

  it('rejects an external parameter entity and an external DTD with T99', () => {
    expectRejected(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "file://${secretFile}"> %p;]><r/>`, 'T99');
    expectRejected('<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://example.invalid/evil.dtd"><r/>', 'T99');
  });

  it('rejects billion laughs with T99 (and libxml2 alone stops it by its amplification limit)', async () => {
    expectRejected(billionLaughs, 'T99');
    await loadLibxml2();
    const outcome = parseXmlBytes(new TextEncoder().encode(billionLaughs));
    expect(outcome.ok).toBe(false);
  });

  it('rejects any DOCTYPE, even a harmless one, with T99', () => {
    const result = expectRejected('<?xml version="1.0"?>\n<!-- a comment -->\n<!DOCTYPE r>\n<r/>', 'T99');
    expect(result.errors[0]?.line).toBe(3);
  });

  it('does not mistake DOCTYPE text inside a comment, CDATA or attribute for a declaration', () => {
    const ok = parser.parse('<r a="<!DOCTYPE x>"><!-- <!DOCTYPE y> --><![CDATA[<!DOCTYPE z>]]></r>');
    // `<` is not allowed in an attribute value, so libxml2 reports T01 for that one; the others parse
    expect(ok.ok ? 'ok' : ok.error.code).toBe('T01');
    const ok2 = parser.parse('<r><!-- <!DOCTYPE y> --><![CDATA[<!DOCTYPE z> <a><a><a>]]></r>');
    expect(ok2.ok).toBe(true);
    if (ok2.ok) ok2.doc.dispose();
  });

  it('rejects a 50 MB document by its size before parsing (string and bytes)', () => {
    const big = '<r>' + 'x'.repeat(50 * MB) + '</r>';
    expectRejected(big, 'T99');
    const bytes = Buffer.alloc(50 * MB, 0x20);
    const result = expectRejected(bytes, 'T99');
    expect(result.errors[0]?.message).toMatch(/too large/);
  });

  it('rejects 50 MB of nesting by the depth limit when the size limit allows it', async () => {
    const roomy = await SafeXmlParser.create({ maxBytes: 64 * MB });
    const depth = Math.floor((50 * MB) / 7);
    const deep = '<a>'.repeat(depth) + '</a>'.repeat(depth);
    const outcome = roomy.parse(deep);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error).toMatchObject({ code: 'T99', message: expect.stringMatching(/nesting/) });
  });

  it('rejects a small deeply nested document by the depth limit, with the line', () => {
    const deep = '<a>\n'.repeat(1000) + '</a>'.repeat(1000);
    const result = expectRejected(deep, 'T99');
    expect(result.errors[0]?.line).toBe(65);
  });

  it('counts depth correctly around self-closing tags, quoted ">" and processing instructions', async () => {
    const shallow = await SafeXmlParser.create({ maxDepth: 3 });
    const doc = '<?pi <a><a><a> ?><a x="1>2" y=\'/>\'><b/><b/><b><c/></b></a>';
    const ok = shallow.parse(doc);
    expect(ok.ok).toBe(true);
    if (ok.ok) ok.doc.dispose();
    const tooDeep = shallow.parse('<a><b><c><d/></c></b></a>');
    expect(tooDeep.ok ? 'ok' : tooDeep.error.code).toBe('T99');
  });

  it('rejects broken UTF-8 with T01', () => {
    const bytes = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="UTF-8"?><r>a'), Buffer.from([0xc3, 0x28]), Buffer.from('</r>')]);
    expectRejected(bytes, 'T01');
  });

  it('rejects a 50 MB file in validateFiles from its size on disk, without reading it', async () => {
    const file = path.join(dir, 'huge.xml');
    const fd = openSync(file, 'w');
    writeSync(fd, Buffer.from('<r>'), 0, 3, 50 * MB); // sparse: 50 MB on paper
    closeSync(fd);
    const [report] = await validateFiles([file]);
    expect(report).toMatchObject({ file, valid: false, type: null, version: null, errors: [{ code: 'T99' }] });
  });

  it('refuses limits it cannot honour', () => {
    expect(() => resolveXmlLimits({ maxDepth: 1000 })).toThrow(RangeError);
    expect(() => resolveXmlLimits({ maxBytes: 0 })).toThrow(RangeError);
    expect(resolveXmlLimits({})).toEqual({ maxBytes: 10 * MB, maxDepth: 64 });
  });
});

describe('XmlDoc XPath helpers', () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<MsgHead xmlns="${MH.mh}"><MsgInfo><Type V="LOG_INNLAGT" DN="Innlagt"/><MsgId>a</MsgId></MsgInfo>
<Document><RefDoc><Content><x:P xmlns:x="urn:x"><x:N>1</x:N><x:N>2</x:N></x:P></Content></RefDoc></Document></MsgHead>`;

  it('reads elements, attributes and text with namespace prefixes, then frees the document', () => {
    const outcome = parser.parse(xml);
    if (!outcome.ok) throw new Error(outcome.error.message);
    const doc = outcome.doc;
    try {
      expect(doc.root.localName).toBe('MsgHead');
      expect(doc.root.namespaceUri).toBe(MH.mh);
      expect(doc.text('/mh:MsgHead/mh:MsgInfo/mh:Type/@V', MH)).toBe('LOG_INNLAGT');
      expect(doc.get('/mh:MsgHead/mh:MsgInfo/mh:Type', MH)?.attr('DN')).toBe('Innlagt');
      expect(doc.text('/mh:MsgHead/mh:MsgInfo/mh:ConversationRef', MH)).toBeUndefined();
      const ns = { ...MH, x: 'urn:x' };
      expect(doc.all('//x:N', ns).map((n) => n.content)).toEqual(['1', '2']);
      const p = doc.get('//x:P', ns);
      expect(p?.line).toBe(3);
      expect(p?.children().map((c) => c.localName)).toEqual(['N', 'N']);
      expect(p?.text('x:N[2]', ns)).toBe('2');
      expect(doc.evaluate('count(//x:N)', ns)).toBe(2);
    } finally {
      doc.dispose();
    }
    expect(doc.isDisposed).toBe(true);
    expect(() => doc.root).toThrow(expect.objectContaining({ code: 'XML.DOC_DISPOSED' }));
    doc.dispose(); // idempotent
  });
});
