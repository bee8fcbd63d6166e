import { randomUUID } from 'node:crypto';
import { link, mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EpjSystem } from './journal.store.js';

/**
 * Where a received message waits outside the journal:
 * - `quarantine`: not for us (misdirected) — never filed; kept with the reason for the
 *   meldingsansvarlig, who deletes it once the sender has been told (DOMAIN.md §7);
 * - `held`: for us, but the patient could not be linked — waits for manual linking before it
 *   is filed (AR §3.3.4 "manual pre-processing before import").
 */
export type HoldKind = 'quarantine' | 'held';

export interface HoldRecord {
  readonly kind: HoldKind;
  readonly system: EpjSystem;
  readonly partyHerId: number;
  readonly msgId: string;
  readonly msgType: string;
  /** Most specific HER-id of the document's sender. */
  readonly senderHerId: string;
  /** Stable code and a short text; never a person number or a name. */
  readonly reason: { readonly code: string; readonly text: string };
  readonly warnings: readonly string[];
  readonly receivedAt: string;
  /** HER-ids the document is addressed to (quarantine: someone else's). */
  readonly addressedTo?: readonly string[];
  /** MsgId of the DIALOG_AVVIK sent back to the sender (quarantine). */
  readonly avvikMsgId?: string;
}

/** Keeps held and quarantined messages, once per (kind, party, MsgId). */
export interface MessageHoldStore {
  /** Stores the record and the document; false when it was stored before (a redelivery). */
  put(record: HoldRecord, document: string): Promise<boolean>;
  get(kind: HoldKind, system: EpjSystem, partyHerId: number, msgId: string): Promise<HoldRecord | undefined>;
  list(kind: HoldKind, system: EpjSystem, partyHerId: number): Promise<HoldRecord[]>;
}

/**
 * A folder per party and kind: `<root>/<system>/<herId>/<kind>/<msgId>.json` (the record) and
 * `<msgId>.xml` (the document, which holds patient data: files are 0600). "Once" is decided by
 * the file system: the record is written to a temp file and hard-linked into place, which fails
 * when it exists, also when two deliveries race.
 */
export class FileMessageHoldStore implements MessageHoldStore {
  constructor(private readonly root: string) {}

  private dir(kind: HoldKind, system: EpjSystem, partyHerId: number): string {
    return path.join(this.root, system, String(partyHerId), kind);
  }

  async put(record: HoldRecord, document: string): Promise<boolean> {
    if (!/^[0-9A-Za-z-]{1,64}$/.test(record.msgId)) throw new RangeError(`not a usable MsgId for a file name: ${record.msgId}`);
    const dir = this.dir(record.kind, record.system, record.partyHerId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const target = path.join(dir, `${record.msgId}.json`);
    const xmlTarget = path.join(dir, `${record.msgId}.xml`);
    // The document first (rewriting it is harmless), then the record that makes it count.
    await writeFile(xmlTarget, document, { mode: 0o600 });
    const tmp = path.join(dir, `.${record.msgId}.${randomUUID()}.tmp`);
    await writeFile(tmp, JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
    try {
      await link(tmp, target);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async get(kind: HoldKind, system: EpjSystem, partyHerId: number, msgId: string): Promise<HoldRecord | undefined> {
    try {
      return JSON.parse(await readFile(path.join(this.dir(kind, system, partyHerId), `${msgId}.json`), 'utf8')) as HoldRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async list(kind: HoldKind, system: EpjSystem, partyHerId: number): Promise<HoldRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir(kind, system, partyHerId));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const ids = names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).map((n) => n.slice(0, -5));
    const records = await Promise.all(ids.map((id) => this.get(kind, system, partyHerId, id)));
    return records.filter((r): r is HoldRecord => r !== undefined).sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  }
}

/** For unit tests. */
export class InMemoryMessageHoldStore implements MessageHoldStore {
  readonly records = new Map<string, { record: HoldRecord; document: string }>();
  private key = (kind: HoldKind, system: EpjSystem, partyHerId: number, msgId: string) => `${kind}:${system}:${partyHerId}:${msgId}`;

  async put(record: HoldRecord, document: string): Promise<boolean> {
    const k = this.key(record.kind, record.system, record.partyHerId, record.msgId);
    if (this.records.has(k)) return false;
    this.records.set(k, { record, document });
    return true;
  }

  async get(kind: HoldKind, system: EpjSystem, partyHerId: number, msgId: string): Promise<HoldRecord | undefined> {
    return this.records.get(this.key(kind, system, partyHerId, msgId))?.record;
  }

  async list(kind: HoldKind, system: EpjSystem, partyHerId: number): Promise<HoldRecord[]> {
    return [...this.records.values()].map((r) => r.record).filter((r) => r.kind === kind && r.system === system && r.partyHerId === partyHerId);
  }
}
