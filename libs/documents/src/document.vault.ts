import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { documentKeyOf, parseDocumentKey, type DocumentKey } from './document-key.js';
import { DocumentErrorCodes, documentError } from './document.errors.js';

/** One encrypted document as `message_document` stores it. */
export interface SealedDocument {
  keyId: string;
  iv: Uint8Array<ArrayBuffer>;
  authTag: Uint8Array<ArrayBuffer>;
  ciphertext: Uint8Array<ArrayBuffer>;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Binds a ciphertext to its row: a document copied onto another MsgId does not decrypt. */
const aadOf = (msgId: string) => Buffer.from(`samhandling-hub/message_document/v1/${msgId.toLowerCase()}`, 'utf8');

const bytes = (b: Buffer): Uint8Array<ArrayBuffer> => new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);

/**
 * Encryption at rest of message documents: AES-256-GCM, a random 96-bit IV per document,
 * the MsgId as additional authenticated data, and the key id stored beside the ciphertext.
 * New documents are sealed with the current key; documents sealed with a previous key still
 * open while that key is configured (rotation: add a key, keep the old one as previous until
 * no row names it).
 */
export class DocumentVault {
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(private readonly current: DocumentKey, previous: readonly DocumentKey[] = []) {
    this.keys = new Map([...previous, current].map((k) => [k.id, k.key]));
  }

  /** A vault from the settings' text form (hex or base64, see parseDocumentKey). */
  static fromSecrets(current: string, previous: readonly string[] = []): DocumentVault {
    return new DocumentVault(
      parseDocumentKey(current),
      previous.map((p) => parseDocumentKey(p, 'DOCUMENT_KEYS_PREVIOUS')),
    );
  }

  /** A vault over raw key bytes (tests). */
  static fromKey(key: Uint8Array): DocumentVault {
    return new DocumentVault(documentKeyOf(key));
  }

  /** The id of the key new documents are sealed with. */
  get keyId(): string {
    return this.current.id;
  }

  /** Encrypts a document for the row of `msgId`. */
  seal(msgId: string, document: Uint8Array | string): SealedDocument {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aadOf(msgId));
    const plain = typeof document === 'string' ? Buffer.from(document, 'utf8') : document;
    const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
    return { keyId: this.current.id, iv: bytes(iv), authTag: bytes(cipher.getAuthTag()), ciphertext: bytes(ciphertext) };
  }

  /**
   * Decrypts the document of `msgId`. `DOCUMENTS.UNKNOWN_KEY` when the row names a key this
   * vault does not hold; `DOCUMENTS.DECRYPT_FAILED` when GCM authentication fails (wrong key,
   * tampered ciphertext/IV/tag, or a row belonging to another MsgId).
   */
  open(msgId: string, sealed: Pick<SealedDocument, 'keyId' | 'iv' | 'authTag' | 'ciphertext'>): Buffer {
    const key = this.keys.get(sealed.keyId);
    if (!key) {
      throw documentError(DocumentErrorCodes.UnknownKey, `the document of ${msgId} was encrypted with a key this installation does not hold`, {
        details: { msgId, keyId: sealed.keyId },
      });
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aadOf(msgId));
      decipher.setAuthTag(sealed.authTag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
    } catch (err) {
      throw documentError(DocumentErrorCodes.DecryptFailed, `the document of ${msgId} failed authentication (wrong key or altered ciphertext)`, {
        details: { msgId, keyId: sealed.keyId },
        cause: err,
      });
    }
  }
}
