import { HubError } from '@hub/errors';
import { keepAlivePost, type PostFn, type PostResponse } from '../http/keep-alive.post.js';
import type { FilingResult, Journal } from '../journal/journal.store.js';
import type { ImportDocument, VendorImport } from './vendor-import.port.js';

/** Body of Profil's simulated `POST /import`. */
export interface ProfilImportRequest {
  readonly partyHerId: number;
  readonly msgId: string;
  readonly msgType: string;
  /** The MsgHead document, base64 (UTF-8 bytes as received). */
  readonly documentBase64: string;
  readonly patientKey: string | null;
}

export interface ProfilImportResponse {
  readonly filed: boolean;
  readonly filedAt: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Simulated Profil import endpoint (server side of `POST /import`): Profil takes messages over
 * HTTP. Validates the request and files the document once per (party, msgId): 201 when filed,
 * 200 when it was already there.
 */
export class ProfilImportService {
  constructor(private readonly journal: Journal) {}

  async import(req: ProfilImportRequest): Promise<ProfilImportResponse> {
    if (!Number.isInteger(req?.partyHerId) || !UUID.test(String(req?.msgId)) || typeof req?.msgType !== 'string' || typeof req?.documentBase64 !== 'string') {
      throw new HubError('EPJ.PROFIL_BAD_IMPORT', 'import request needs partyHerId, msgId (UUID), msgType and documentBase64');
    }
    if (Buffer.from(req.documentBase64, 'base64').length === 0) throw new HubError('EPJ.PROFIL_BAD_IMPORT', 'empty document');
    const r = await this.journal.file({ system: 'profil', partyHerId: req.partyHerId, msgId: req.msgId, msgType: req.msgType, patientKey: req.patientKey ?? null });
    return { filed: r.filed, filedAt: r.filedAt.toISOString() };
  }
}

/**
 * The adapter's side of the Profil import: calls the HTTP endpoint. 5xx/network → retriable.
 */
export class ProfilHttpImport implements VendorImport {
  readonly system = 'profil' as const;

  constructor(
    private readonly importUrl: string,
    private readonly post: PostFn = keepAlivePost(),
  ) {}

  async import(doc: ImportDocument): Promise<FilingResult> {
    const body: ProfilImportRequest = {
      partyHerId: doc.partyHerId, msgId: doc.msgId, msgType: doc.msgType, patientKey: doc.patientKey,
      documentBase64: Buffer.from(doc.xml, 'utf8').toString('base64'),
    };
    let res: PostResponse;
    try {
      res = await this.post(this.importUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    } catch (err) {
      throw new HubError('EPJ.PROFIL_IMPORT_UNAVAILABLE', `Profil import not reachable: ${(err as Error).message}`, { retriable: true, cause: err });
    }
    const json = (await res.json().catch(() => ({}))) as Partial<ProfilImportResponse> & { code?: string; message?: string };
    if (res.status === 200 || res.status === 201) return { filed: json.filed === true, filedAt: new Date(json.filedAt ?? Date.now()) };
    const retriable = res.status >= 500;
    throw new HubError(retriable ? 'EPJ.PROFIL_IMPORT_UNAVAILABLE' : 'EPJ.PROFIL_IMPORT_REFUSED', `Profil import answered ${res.status} ${json.code ?? ''}: ${json.message ?? ''}`, { retriable });
  }
}
