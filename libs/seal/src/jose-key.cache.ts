import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/**
 * Parsed keys, one `KeyObject` per PEM (a PKCS#8/PKCS#1 private key, or a certificate
 * whose public key is wanted). Parsing a PEM (base64 → ASN.1 → OpenSSL key) costs more
 * than the RSA operation it serves, so each key is parsed once per process and reused.
 * A PEM that does not parse throws and is not cached. Bounded: the oldest entry goes
 * first when `maxEntries` is reached (x5c certificates come from the wire).
 */
export class JoseKeyCache {
  private readonly keys = new Map<string, KeyObject>();

  constructor(private readonly maxEntries = 1000) {}

  /** The key for a PEM private key (private KeyObject) or certificate / public key (public KeyObject). */
  get(pem: string): KeyObject {
    let key = this.keys.get(pem);
    if (!key) {
      key = /-----BEGIN (RSA |ENCRYPTED )?PRIVATE KEY-----/.test(pem) ? createPrivateKey(pem) : createPublicKey(pem);
      if (this.keys.size >= this.maxEntries) this.keys.delete(this.keys.keys().next().value as string);
      this.keys.set(pem, key);
    }
    return key;
  }

  get size(): number {
    return this.keys.size;
  }
}
