import { randomBytes } from 'node:crypto';
import { DocumentVault } from './document.vault.js';
import { parseDocumentKey } from './document-key.js';

const msgId = '6f1c2a7e-8b1d-4c3e-9f20-1a2b3c4d5e6f';
const xml = '<MsgHead><Patient><Ident><Id>13116900216</Id></Ident></Patient><Tekst>Innlagt på medisinsk avdeling</Tekst></MsgHead>';

describe('DocumentVault', () => {
  const key = randomBytes(32);
  const vault = DocumentVault.fromKey(key);

  it('round-trips a document and never stores it in clear', () => {
    const sealed = vault.seal(msgId, xml);
    expect(Buffer.from(sealed.ciphertext).toString('latin1')).not.toContain('13116900216');
    expect(Buffer.from(sealed.ciphertext).toString('latin1')).not.toContain('Innlagt');
    expect(sealed.iv).toHaveLength(12);
    expect(sealed.authTag).toHaveLength(16);
    expect(vault.open(msgId, sealed).toString('utf8')).toBe(xml);
  });

  it('uses a fresh IV per document', () => {
    const a = vault.seal(msgId, xml);
    const b = vault.seal(msgId, xml);
    expect(Buffer.from(a.iv).equals(Buffer.from(b.iv))).toBe(false);
    expect(Buffer.from(a.ciphertext).equals(Buffer.from(b.ciphertext))).toBe(false);
  });

  it('names the key by a stable id derived from it, the same in hex and base64', () => {
    const hex = parseDocumentKey(key.toString('hex'));
    const b64 = parseDocumentKey(`${key.toString('base64')}\n`);
    const b64url = parseDocumentKey(key.toString('base64url'));
    expect(hex.id).toMatch(/^dk-[0-9a-f]{16}$/);
    expect(b64.id).toBe(hex.id);
    expect(b64url.id).toBe(hex.id);
    expect(vault.keyId).toBe(hex.id);
    expect(DocumentVault.fromKey(randomBytes(32)).keyId).not.toBe(hex.id);
    expect(vault.seal(msgId, xml).keyId).toBe(hex.id);
  });

  it('refuses a key that is not 32 bytes, without echoing it', () => {
    for (const bad of ['', 'short', randomBytes(16).toString('hex'), randomBytes(31).toString('base64'), 'z'.repeat(64)]) {
      let error: unknown;
      try {
        parseDocumentKey(bad);
      } catch (err) {
        error = err;
      }
      expect(error).toMatchObject({ code: 'DOCUMENTS.INVALID_KEY' });
      if (bad) expect((error as Error).message).not.toContain(bad);
    }
  });

  it('fails with DOCUMENTS.DECRYPT_FAILED under the wrong key (same key id forged)', () => {
    const sealed = vault.seal(msgId, xml);
    const other = DocumentVault.fromKey(randomBytes(32));
    expect(() => other.open(msgId, { ...sealed, keyId: other.keyId })).toThrow(expect.objectContaining({ code: 'DOCUMENTS.DECRYPT_FAILED' }));
  });

  it('fails with DOCUMENTS.UNKNOWN_KEY when the row names a key the vault does not hold', () => {
    const sealed = DocumentVault.fromKey(randomBytes(32)).seal(msgId, xml);
    expect(() => vault.open(msgId, sealed)).toThrow(expect.objectContaining({ code: 'DOCUMENTS.UNKNOWN_KEY' }));
  });

  it('detects a tampered ciphertext, IV or tag, and a row moved to another MsgId', () => {
    const sealed = vault.seal(msgId, xml);
    const flipped = (b: Uint8Array) => {
      const c = Buffer.from(b);
      c[0] ^= 0x01;
      return new Uint8Array(c);
    };
    for (const tampered of [{ ...sealed, ciphertext: flipped(sealed.ciphertext) }, { ...sealed, iv: flipped(sealed.iv) }, { ...sealed, authTag: flipped(sealed.authTag) }]) {
      expect(() => vault.open(msgId, tampered)).toThrow(expect.objectContaining({ code: 'DOCUMENTS.DECRYPT_FAILED' }));
    }
    expect(() => vault.open('0b7a4b8e-1111-4c3e-9f20-1a2b3c4d5e6f', sealed)).toThrow(expect.objectContaining({ code: 'DOCUMENTS.DECRYPT_FAILED' }));
  });

  it('opens documents sealed with a previous key after rotation, and seals new ones with the current key', () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('hex');
    const before = DocumentVault.fromSecrets(oldKey);
    const sealedBefore = before.seal(msgId, xml);
    const after = DocumentVault.fromSecrets(newKey, [oldKey]);
    expect(after.open(msgId, sealedBefore).toString('utf8')).toBe(xml);
    expect(after.seal(msgId, xml).keyId).toBe(parseDocumentKey(newKey).id);
    expect(after.keyId).not.toBe(before.keyId);
  });
});
