import jose from 'node-jose';

/**
 * Imported node-jose keys, one per PEM (private key or certificate). Importing
 * (`JWK.asKey`: PEM → ASN.1 → JWK) costs more than the RSA operation it serves, so
 * each key is imported once per process and reused; a failed import is not cached.
 */
export class JoseKeyCache {
  private readonly keys = new Map<string, Promise<jose.JWK.Key>>();

  constructor(private readonly maxEntries = 1000) {}

  /** The imported key for a PEM private key or certificate. */
  get(pem: string): Promise<jose.JWK.Key> {
    let key = this.keys.get(pem);
    if (!key) {
      if (this.keys.size >= this.maxEntries) this.keys.delete(this.keys.keys().next().value as string);
      key = jose.JWK.asKey(pem, 'pem');
      this.keys.set(pem, key);
      key.catch(() => this.keys.delete(pem));
    }
    return key;
  }

  get size(): number {
    return this.keys.size;
  }
}
