/** XML namespaces of the standards the model reads and writes (DOMAIN.md §1, §4, §5). */
export const Ns = {
  MsgHead: 'http://www.kith.no/xmlstds/msghead/2006-05-24',
  AppRec11: 'http://www.kith.no/xmlstds/apprec/2012-02-15',
  AppRec10: 'http://www.kith.no/xmlstds/apprec/2004-11-21',
  Dialog10: 'http://www.kith.no/xmlstds/dialog/2006-10-11',
  Dialog11: 'http://www.kith.no/xmlstds/dialog/2013-01-23',
  Felleskomponent1: 'http://www.kith.no/xmlstds/felleskomponent1',
  Xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  /** PLO payload namespace: `…/po/<schema>/<date>`; poKomponent uses the same date. */
  plo: (schema: string, version: '1.5' | '1.6') =>
    `http://www.kith.no/xmlstds/po/${schema}/${version === '1.6' ? '2012-04-01' : '2009-06-30'}`,
} as const;

export const MSGHEAD_MIG_VERSION = 'v1.2 2006-05-24';
export const APPREC_MIG_VERSION = { '1.1': 'v1.1 2012-02-15', '1.0': '1.0 2004-11-21' } as const;

const PLO_NS = /^http:\/\/www\.kith\.no\/xmlstds\/po\/([A-Za-z]+)\/(2012-04-01|2009-06-30)$/;

/** Splits a PLO namespace into schema folder name and version, or undefined. */
export function ploNamespace(ns: string): { folder: string; version: '1.5' | '1.6' } | undefined {
  const m = PLO_NS.exec(ns);
  return m ? { folder: m[1], version: m[2] === '2012-04-01' ? '1.6' : '1.5' } : undefined;
}
