/**
 * The approved standard procedures: which message type may travel through the hub in which
 * schema version, and from which date. One catalogue, identical for every party (the hub
 * enforces it centrally, so a municipality and the hospital can never disagree about what is
 * approved). A type/version that is not here, or not yet approved on the day the message is
 * validated, is refused with T10 / `VALIDATION.NOT_APPROVED`.
 *
 * Dates are the publication dates of the standards (the namespace dates of the schemas) as
 * the regional agreement's test catalogue; replace them with the dates of the local
 * approval when the agreement is signed (DOMAIN.md §10).
 */
export interface ApprovedStandard {
  /** MsgInfo/Type (kodeverk 8279), or `APPREC`. */
  readonly msgType: string;
  /** Schema family and version as PloValidator reports it: `plo-1.6`, `dialog-1.0`, `apprec-1.1` … */
  readonly version: string;
  /** First day (UTC, `YYYY-MM-DD`) the procedure is approved. */
  readonly approvedOn: string;
  /** First day it is no longer approved; absent while in force. */
  readonly withdrawnOn?: string;
  /** The standard procedure it belongs to (for the operator's overview). */
  readonly procedure: string;
}

export interface ApprovedStandardsCatalogueData {
  /** Version of the catalogue itself; recorded with every validated message. */
  readonly catalogueVersion: string;
  readonly entries: readonly ApprovedStandard[];
}

const CHAIN = 'PLO innleggelse–utskrivning (HIS 80704:2014)';
const DIALOG = 'Dialogmelding (HIS 80502)';
const APPREC = 'Applikasjonskvittering (HIS 1153)';

const plo = (msgType: string, version: 'plo-1.6' | 'plo-1.5', approvedOn: string): ApprovedStandard => ({ msgType, version, approvedOn, procedure: CHAIN });
const PLO_TYPES = ['LOG_INNLAGT', 'INNLEGGELSESRAPPORT', 'HELSEOPPL_SOKNAD', 'LOG_UTSKRIVNINGSKLAR', 'LOG_AVMELDING', 'UTSKRIVNINGSRAPPORT', 'LOG_UTSKREVET'];

/** The hub's catalogue (version 2026.1). */
export const APPROVED_STANDARDS: ApprovedStandardsCatalogueData = {
  catalogueVersion: '2026.1',
  entries: [
    ...PLO_TYPES.map((t) => plo(t, 'plo-1.6', '2014-10-01')),
    // PLO 1.5 is still received (DOMAIN.md §1: Innleggelsesrapport 1.6 is treated as equivalent to 1.5).
    ...PLO_TYPES.map((t) => plo(t, 'plo-1.5', '2010-01-01')),
    ...['DIALOG_FORESPORSEL', 'DIALOG_SVAR', 'DIALOG_AVVIK'].map((msgType) => ({ msgType, version: 'dialog-1.0', approvedOn: '2006-10-11', procedure: DIALOG })),
    { msgType: 'APPREC', version: 'apprec-1.1', approvedOn: '2012-02-15', procedure: APPREC },
    { msgType: 'APPREC', version: 'apprec-1.0', approvedOn: '2004-11-21', procedure: APPREC },
  ],
};

/** Looks up the catalogue; pure, so every party gets the same answer for the same day. */
export class ApprovedStandardsCatalogue {
  constructor(private readonly data: ApprovedStandardsCatalogueData = APPROVED_STANDARDS) {}

  get version(): string {
    return this.data.catalogueVersion;
  }

  /** The entry that approves `msgType` in `version` on `on`, or undefined. */
  approval(msgType: string, version: string, on: Date): ApprovedStandard | undefined {
    const day = on.toISOString().slice(0, 10);
    return this.data.entries.find(
      (e) => e.msgType === msgType && e.version === version && e.approvedOn <= day && (e.withdrawnOn === undefined || day < e.withdrawnOn),
    );
  }

  entries(): readonly ApprovedStandard[] {
    return this.data.entries;
  }
}
