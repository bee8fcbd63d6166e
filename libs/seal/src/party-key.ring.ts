import { loadPartyKeys, type PartyKeys } from './test-pki.generator.js';

/**
 * Private keys and certificates per party, read from a PKI directory once and kept
 * for the life of the process (a failed read is not kept, so a key provisioned later
 * is picked up on the next message). In production the directory is where the secret
 * store mounts the keys.
 */
export class PartyKeyRing {
  private readonly loaded = new Map<string, Promise<PartyKeys>>();

  constructor(readonly dir: string) {}

  /** The party's keys; throws CRYPTO.NO_PRIVATE_KEY / CRYPTO.NO_CERTIFICATE when files are missing. */
  get(herId: string | number): Promise<PartyKeys> {
    const id = String(herId);
    let keys = this.loaded.get(id);
    if (!keys) {
      keys = loadPartyKeys(this.dir, id);
      this.loaded.set(id, keys);
      keys.catch(() => this.loaded.delete(id));
    }
    return keys;
  }

  /** Forgets every loaded key (after a rotation). */
  clear(): void {
    this.loaded.clear();
  }
}
