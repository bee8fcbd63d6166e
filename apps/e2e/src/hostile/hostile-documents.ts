/**
 * The hostile input corpus: documents and events built from a valid message by the project's own
 * builders, each broken in exactly one way. Nothing here is sent anywhere; the e2e file sends them.
 */
import { Readable } from 'node:stream';

const XML_DECLARATION = /^<\?xml[^>]*\?>\s*/;

/** Cuts the document in the middle of an element: not well-formed (T01). */
export function notWellFormed(xml: string): string {
  const at = xml.indexOf('<MsgInfo>') + '<MsgInfo>'.length + 10;
  return xml.slice(0, at);
}

/** Puts `doctype` in front of the root element and `reference` into the first patient name. */
function withDoctype(xml: string, doctype: string, reference: string): string {
  const body = xml.replace(XML_DECLARATION, '');
  const named = body.replace(/<GivenName>[^<]*<\/GivenName>/, `<GivenName>${reference}</GivenName>`);
  if (named === body) throw new Error('fixture: no GivenName to put the entity reference in');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${doctype}\n${named}`;
}

/** An external entity pointing at a local file (XXE): the file's content must never come back. */
export function externalEntity(xml: string, file: string): string {
  return withDoctype(xml, `<!DOCTYPE MsgHead [ <!ENTITY xxe SYSTEM "file://${file}"> ]>`, '&xxe;');
}

/** Billion laughs: ten levels of ten-fold entity expansion (10^9 "lol"s) from a few hundred bytes. */
export function billionLaughs(xml: string): string {
  const levels = ['<!ENTITY lol0 "lol">'];
  for (let i = 1; i <= 9; i++) levels.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  return withDoctype(xml, `<!DOCTYPE MsgHead [ ${levels.join(' ')} ]>`, '&lol9;');
}

/** `levels` nested elements inside the payload's root (libxml2 stops at 256, the hub earlier). */
export function deepNesting(xml: string, levels: number): string {
  const open = '<x>'.repeat(levels);
  const close = '</x>'.repeat(levels);
  const nested = xml.replace(/<\/GivenName>/, `</GivenName>${open}${close}`);
  if (nested === xml) throw new Error('fixture: no GivenName to nest under');
  return nested;
}

/** The MsgHead in another namespace than MsgHead v1.2's: not a document the hub carries (T10). */
export function wrongRootNamespace(xml: string): string {
  const moved = xml.split('http://www.kith.no/xmlstds/msghead/2006-05-24').join('http://www.kith.no/xmlstds/msghead/2006-05-25');
  if (moved === xml) throw new Error('fixture: no MsgHead namespace to change');
  return moved;
}

/** The fødselsnummer with its last check digit changed: every other digit and the schema still fit. */
export function wrongCheckDigit(fodselsnummer: string): string {
  const last = Number(fodselsnummer[10]);
  return fodselsnummer.slice(0, 10) + String((last + 1) % 10);
}

/**
 * A body of `totalBytes` that starts like a MsgHead and goes on as an XML comment (or a JSON string),
 * produced in 1 MB chunks so neither the test nor a well-behaved server ever holds it whole.
 */
export function streamedBody(kind: 'xml' | 'json', totalBytes: number): Readable {
  const head = kind === 'xml' ? '<?xml version="1.0" encoding="UTF-8"?><MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24"><!--' : '{"type":"LOG_INNLAGT","content":{"padding":"';
  const tail = kind === 'xml' ? '--></MsgHead>' : '"}}';
  const chunk = Buffer.alloc(1024 * 1024, 'a');
  let sent = 0;
  return new Readable({
    read() {
      if (sent === 0) {
        this.push(head);
        sent += head.length;
        return;
      }
      const left = totalBytes - tail.length - sent;
      if (left <= 0) {
        this.push(tail);
        this.push(null);
        return;
      }
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      sent += piece.length;
      this.push(piece);
    },
  });
}
