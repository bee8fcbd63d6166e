import { createHash } from 'node:crypto';
import { DocumentErrorCodes, documentError } from './document.errors.js';

/** A 256-bit document key and its id (what `message_document.key_id` records). */
export interface DocumentKey {
  /** `dk-` + 16 hex of a SHA-256 fingerprint: names the key without revealing it. */
  readonly id: string;
  readonly key: Buffer;
}

const KEY_BYTES = 32;

/**
 * Reads a document key from its setting or secret file: 32 bytes as 64 hex characters or as
 * base64 / base64url (43–44 characters). Surrounding whitespace (a trailing newline in a
 * secret file) is ignored. The id is derived from the key, so a rotated installation finds
 * the right key for every stored row without a separate key-id setting.
 */
export function parseDocumentKey(text: string, variable = 'DOCUMENT_KEY'): DocumentKey {
  const value = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(value)) key = Buffer.from(value, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (!key || key.length !== KEY_BYTES) {
    // Never echo the value: it is a secret.
    throw documentError(DocumentErrorCodes.InvalidKey, `${variable} must be 32 bytes as 64 hex characters or base64 (43-44 characters)`, {
      details: { variable },
    });
  }
  return documentKeyOf(key);
}

/** The DocumentKey of raw key bytes (32). */
export function documentKeyOf(key: Uint8Array): DocumentKey {
  if (key.byteLength !== KEY_BYTES) throw documentError(DocumentErrorCodes.InvalidKey, 'a document key is 32 bytes');
  const bytes = Buffer.from(key);
  const id = `dk-${createHash('sha256').update('samhandling-hub/document-key/v1\0').update(bytes).digest('hex').slice(0, 16)}`;
  return { id, key: bytes };
}
