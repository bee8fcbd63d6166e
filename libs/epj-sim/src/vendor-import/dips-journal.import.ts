import type { FilingResult, Journal } from '../journal/journal.store.js';
import type { ImportDocument, VendorImport } from './vendor-import.port.js';

/** The hospital simulator (DIPS-like) files straight into its journal: no vendor hop to simulate. */
export class DipsJournalImport implements VendorImport {
  readonly system = 'dips' as const;
  constructor(private readonly journal: Journal) {}

  import(doc: ImportDocument): Promise<FilingResult> {
    return this.journal.file({ system: 'dips', partyHerId: doc.partyHerId, msgId: doc.msgId, msgType: doc.msgType, patientKey: doc.patientKey });
  }
}
