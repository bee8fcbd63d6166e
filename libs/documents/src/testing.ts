/**
 * Test helpers of @hub/documents: read the text of a PDF rendered by pdfkit with
 * `compress: false`, without any PDF tool (pdftotext need not be installed).
 */

// Windows-1252 0x80–0x9F (the standard fonts' WinAnsi encoding); the rest is Latin-1.
const CP1252_HIGH: Record<number, string> = {
  0x80: '€', 0x82: '‚', 0x83: 'ƒ', 0x84: '„', 0x85: '…', 0x86: '†', 0x87: '‡', 0x88: 'ˆ', 0x89: '‰', 0x8a: 'Š', 0x8b: '‹', 0x8c: 'Œ', 0x8e: 'Ž',
  0x91: '‘', 0x92: '’', 0x93: '“', 0x94: '”', 0x95: '•', 0x96: '–', 0x97: '—', 0x98: '˜', 0x99: '™', 0x9a: 'š', 0x9b: '›', 0x9c: 'œ', 0x9e: 'ž', 0x9f: 'Ÿ',
};

function decodeHex(hex: string): string {
  let out = '';
  for (let i = 0; i + 1 < hex.length; i += 2) {
    const b = parseInt(hex.slice(i, i + 2), 16);
    out += CP1252_HIGH[b] ?? String.fromCharCode(b);
  }
  return out;
}

/**
 * The text shown by an uncompressed pdfkit PDF, one line per text operation (`TJ`/`Tj`).
 * A label and its value written with `continued: true` come out as separate lines.
 */
export function pdfText(pdf: Uint8Array): string {
  const source = Buffer.from(pdf).toString('latin1');
  const lines: string[] = [];
  const op = /\[((?:\s*(?:<[0-9a-fA-F]*>|-?[\d.]+))*)\s*\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj/g;
  for (let m = op.exec(source); m; m = op.exec(source)) {
    if (m[2] !== undefined) lines.push(decodeHex(m[2]));
    else lines.push([...m[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => decodeHex(h[1])).join(''));
  }
  return lines.join('\n');
}
