import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HubError } from '@hub/errors';
import type { FilingResult, Journal } from '../journal/journal.store.js';
import type { ImportDocument, VendorImport } from './vendor-import.port.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Simulated Gerica import: Gerica takes messages from an XML import folder. The adapter drops
 * `<base>/gerica/<herId>/import/<msgId>.xml` (written to a temp name and renamed, so the importer
 * never sees half a file), then runs the import: the file is read back, filed into the journal
 * (once per (party, msgId)) and moved to `imported/`. A redelivery overwrites the same file name
 * and the journal's unique key makes the second import a no-op.
 */
export class GericaImportFolder implements VendorImport {
  readonly system = 'gerica' as const;
  /** Parties whose folders this process has made: two recursive mkdirs per message were 3-7 % of the adapter's CPU. */
  private readonly made = new Set<number>();

  constructor(
    private readonly baseDir: string,
    private readonly journal: Journal,
  ) {}

  folders(partyHerId: number): { importDir: string; importedDir: string } {
    const root = path.join(this.baseDir, 'gerica', String(partyHerId));
    return { importDir: path.join(root, 'import'), importedDir: path.join(root, 'imported') };
  }

  async import(doc: ImportDocument): Promise<FilingResult> {
    // The MsgId becomes a file name: only a UUID may (E10 messages are never filed anyway).
    if (!UUID.test(doc.msgId)) throw new HubError('EPJ.GERICA_BAD_FILE_NAME', 'MsgId is not a UUID; not written to the import folder');
    try {
      return await this.dropAndImport(doc);
    } catch (err) {
      if (!isMissingPath(err) || !this.made.has(doc.partyHerId)) throw err;
      // A folder removed behind our back (an operator cleaning up): made again, and one more try.
      this.made.delete(doc.partyHerId);
      return this.dropAndImport(doc);
    }
  }

  private async dropAndImport(doc: ImportDocument): Promise<FilingResult> {
    const { importDir, importedDir } = this.folders(doc.partyHerId);
    if (!this.made.has(doc.partyHerId)) {
      await this.io(() => mkdir(importDir, { recursive: true }));
      await this.io(() => mkdir(importedDir, { recursive: true }));
      this.made.add(doc.partyHerId);
    }
    const file = path.join(importDir, `${doc.msgId}.xml`);
    const tmp = `${file}.${process.pid}.tmp`;
    await this.io(() => writeFile(tmp, doc.xml, 'utf8'));
    await this.io(() => rename(tmp, file));
    return this.runImport(doc, file, path.join(importedDir, `${doc.msgId}.xml`));
  }

  /** Gerica's import job for one file. */
  private async runImport(doc: ImportDocument, file: string, done: string): Promise<FilingResult> {
    const xml = await this.io(() => readFile(file, 'utf8'));
    if (xml.length === 0) throw new HubError('EPJ.GERICA_EMPTY_FILE', 'import file is empty');
    const result = await this.journal.file({ system: this.system, partyHerId: doc.partyHerId, msgId: doc.msgId, msgType: doc.msgType, patientKey: doc.patientKey });
    if (await exists(done)) await this.io(() => rm(file, { force: true }));
    else await this.io(() => rename(file, done));
    return result;
  }

  private async io<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw new HubError('EPJ.GERICA_IMPORT_FOLDER', `import folder I/O failed: ${(err as Error).message}`, { retriable: true, cause: err });
    }
  }
}

/** An import-folder I/O failure because a path is not there (ENOENT). */
function isMissingPath(err: unknown): boolean {
  return err instanceof HubError && (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
