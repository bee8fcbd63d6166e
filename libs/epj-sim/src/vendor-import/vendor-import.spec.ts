import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InMemoryJournal } from '../journal/journal.store.js';
import { GericaImportFolder } from './gerica-import-folder.js';
import { ProfilHttpImport, ProfilImportService } from './profil-http-import.js';

const doc = { partyHerId: 9100100, msgId: '6f1c2a4e-9d2b-4c1e-8f3a-2b7d9e0c1a55', msgType: 'LOG_INNLAGT', xml: '<MsgHead/>', patientKey: null };

describe('Gerica import folder (simulated)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gerica-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('drops <msgId>.xml in the party import folder, imports it into the journal once and moves it to imported/', async () => {
    const journal = new InMemoryJournal();
    const gerica = new GericaImportFolder(dir, journal);
    expect((await gerica.import(doc)).filed).toBe(true);
    expect((await gerica.import(doc)).filed).toBe(false);
    const { importDir, importedDir } = gerica.folders(9100100);
    expect(await readdir(importDir)).toEqual([]);
    expect(await readdir(importedDir)).toEqual([`${doc.msgId}.xml`]);
    expect(journal.rows.size).toBe(1);
    expect([...journal.rows.values()][0]).toMatchObject({ system: 'gerica', partyHerId: 9100100, msgType: 'LOG_INNLAGT' });
  });

  it('makes the folders again when they were removed after its first message', async () => {
    const journal = new InMemoryJournal();
    const gerica = new GericaImportFolder(dir, journal);
    await gerica.import(doc);
    await rm(path.join(dir, 'gerica'), { recursive: true, force: true });
    const second = { ...doc, msgId: '7a2d3b5f-0e3c-4d2f-9a4b-3c8e0f1d2b66' };
    expect((await gerica.import(second)).filed).toBe(true);
    expect(await readdir(gerica.folders(9100100).importedDir)).toEqual([`${second.msgId}.xml`]);
    expect(journal.rows.size).toBe(2);
  });

  it('refuses a MsgId that is not a UUID as a file name', async () => {
    await expect(new GericaImportFolder(dir, new InMemoryJournal()).import({ ...doc, msgId: '../../etc/passwd' })).rejects.toMatchObject({ code: 'EPJ.GERICA_BAD_FILE_NAME' });
  });
});

describe('Profil HTTP import (simulated)', () => {
  it('posts the document to the import endpoint, which files it once (201 then 200)', async () => {
    const service = new ProfilImportService(new InMemoryJournal());
    const statuses: number[] = [];
    const fakeFetch = (async (_url: string, init: RequestInit) => {
      const r = await service.import(JSON.parse(String(init.body)));
      statuses.push(r.filed ? 201 : 200);
      return new Response(JSON.stringify(r), { status: r.filed ? 201 : 200 });
    }) as unknown as typeof fetch;
    const profil = new ProfilHttpImport('http://127.0.0.1:1/import', fakeFetch);
    expect((await profil.import(doc)).filed).toBe(true);
    expect((await profil.import(doc)).filed).toBe(false);
    expect(statuses).toEqual([201, 200]);
  });

  it('treats a 5xx from Profil as retriable and a 400 as not', async () => {
    const answer = (status: number) => (async () => new Response(JSON.stringify({ code: 'X' }), { status })) as unknown as typeof fetch;
    await expect(new ProfilHttpImport('http://x/import', answer(503)).import(doc)).rejects.toMatchObject({ retriable: true });
    await expect(new ProfilHttpImport('http://x/import', answer(400)).import(doc)).rejects.toMatchObject({ retriable: false, code: 'EPJ.PROFIL_IMPORT_REFUSED' });
  });

  it('rejects an import request without a UUID MsgId', async () => {
    await expect(new ProfilImportService(new InMemoryJournal()).import({ ...doc, msgId: 'nope', documentBase64: 'PE1zZ0hlYWQvPg==' })).rejects.toMatchObject({ code: 'EPJ.PROFIL_BAD_IMPORT' });
  });
});
