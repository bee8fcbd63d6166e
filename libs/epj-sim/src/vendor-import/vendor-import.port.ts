import type { EpjSystem, FilingResult } from '../journal/journal.store.js';

/** One document handed to an EPJ's import interface. */
export interface ImportDocument {
  readonly partyHerId: number;
  readonly msgId: string;
  readonly msgType: string;
  /** The decrypted, verified MsgHead document. */
  readonly xml: string;
  readonly patientKey: string | null;
}

/**
 * A vendor's own way of taking a message into its journal (simulated: see docs/simulators.md).
 * Idempotent: importing the same (party, msgId) twice files it once.
 */
export interface VendorImport {
  readonly system: EpjSystem;
  import(doc: ImportDocument): Promise<FilingResult>;
}
