import { constants, createCipheriv, createDecipheriv, privateDecrypt, publicEncrypt, randomBytes, sign, verify, type KeyObject } from 'node:crypto';

/**
 * The two JOSE compact serialisations the hub uses, on node:crypto directly (RFC 7515,
 * RFC 7516, RFC 7518): JWS RS256, and JWE RSA-OAEP-256 + A256GCM. node-jose produced
 * the same format (and still opens it, and is opened by it: envelope.spec.ts checks both
 * ways), but spent most of its time around the RSA operation rather than in it
 * (docs/crypto.md "Performance"). Nothing here judges certificates or headers beyond the
 * algorithm: the Sealer and Opener do that.
 */

const b64u = (bytes: Buffer | string): string => Buffer.from(bytes).toString('base64url');
const encodeHeader = (header: Record<string, unknown>): string => b64u(JSON.stringify(header));

/** Sizes fixed by A256GCM (RFC 7518 §5.3): 256-bit key, 96-bit IV, 128-bit tag. */
const CEK_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const OAEP_256 = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' } as const;

/** Compact JWS, RS256 (RSASSA-PKCS1-v1_5 with SHA-256), `header.alg` set to RS256. */
export function signCompactRs256(payload: Buffer, privateKey: KeyObject, header: Record<string, unknown>): string {
  const signingInput = `${encodeHeader({ alg: 'RS256', ...header })}.${b64u(payload)}`;
  const signature = sign('sha256', Buffer.from(signingInput, 'ascii'), privateKey);
  return `${signingInput}.${b64u(signature)}`;
}

/** True when the RS256 signature of a compact JWS verifies with `publicKey` (the header's alg is the caller's to check). */
export function verifyCompactRs256(jws: string, publicKey: KeyObject): boolean {
  const parts = jws.split('.');
  if (parts.length !== 3) return false;
  const [header, payload, signature] = parts as [string, string, string];
  return verify('sha256', Buffer.from(`${header}.${payload}`, 'ascii'), publicKey, Buffer.from(signature, 'base64url'));
}

/** The payload bytes of a compact JWS (no verification). */
export function compactJwsPayload(jws: string): Buffer {
  return Buffer.from(jws.split('.')[1] ?? '', 'base64url');
}

/**
 * Compact JWE: a fresh 256-bit content key wrapped with RSA-OAEP-256 for `publicKey`, the
 * plaintext under AES-256-GCM with a random 96-bit IV and the encoded protected header as
 * additional authenticated data. `header.alg`/`header.enc` are set by this function.
 */
export function encryptCompactRsaOaep256A256Gcm(plaintext: Buffer, publicKey: KeyObject, header: Record<string, unknown>): string {
  const protectedHeader = encodeHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', ...header });
  const cek = randomBytes(CEK_BYTES);
  const iv = randomBytes(IV_BYTES);
  const encryptedKey = publicEncrypt({ key: publicKey, ...OAEP_256 }, cek);
  const cipher = createCipheriv('aes-256-gcm', cek, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(protectedHeader, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [protectedHeader, b64u(encryptedKey), b64u(iv), b64u(ciphertext), b64u(cipher.getAuthTag())].join('.');
}

/**
 * Decrypts a compact RSA-OAEP-256 + A256GCM JWE with `privateKey`. Throws (a plain Error;
 * the Opener maps it to CRYPTO.DECRYPT_FAILED) when it is not such a JWE, the key cannot
 * unwrap it, or the tag does not authenticate header, IV and ciphertext. A header that
 * asks for compression (`zip`) or critical extensions (`crit`) is refused: the hub never
 * produces either, and RFC 7516 forbids ignoring `crit`.
 */
export function decryptCompactRsaOaep256A256Gcm(jwe: string, privateKey: KeyObject): Buffer {
  const parts = jwe.split('.');
  if (parts.length !== 5) throw new Error('not a compact JWE');
  const [protectedHeader, encryptedKey, iv, ciphertext, tag] = parts as [string, string, string, string, string];
  const header = JSON.parse(Buffer.from(protectedHeader, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (header.alg !== 'RSA-OAEP-256' || header.enc !== 'A256GCM') throw new Error(`unsupported JWE algorithms ${String(header.alg)}/${String(header.enc)}`);
  if (header.zip !== undefined || header.crit !== undefined) throw new Error('JWE header asks for zip or crit, which the hub does not support');
  const cek = privateDecrypt({ key: privateKey, ...OAEP_256 }, Buffer.from(encryptedKey, 'base64url'));
  const ivBytes = Buffer.from(iv, 'base64url');
  const tagBytes = Buffer.from(tag, 'base64url');
  if (cek.length !== CEK_BYTES || ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new Error('JWE key, IV or tag has the wrong length');
  const decipher = createDecipheriv('aes-256-gcm', cek, ivBytes, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(protectedHeader, 'ascii'));
  decipher.setAuthTag(tagBytes);
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
}
