import { APPROVED_STANDARDS, ApprovedStandardsCatalogue } from './approved-standards.catalogue.js';
import { derivedEventId } from './event-id.derivation.js';

describe('ApprovedStandardsCatalogue', () => {
  const catalogue = new ApprovedStandardsCatalogue();
  const day = new Date('2026-11-26T00:00:00Z');

  it('approves every chain message in PLO 1.6, the dialog messages in 1.0 and both AppRec versions', () => {
    for (const t of ['LOG_INNLAGT', 'INNLEGGELSESRAPPORT', 'HELSEOPPL_SOKNAD', 'LOG_UTSKRIVNINGSKLAR', 'LOG_AVMELDING', 'UTSKRIVNINGSRAPPORT', 'LOG_UTSKREVET']) {
      expect(catalogue.approval(t, 'plo-1.6', day)?.procedure).toContain('PLO');
    }
    expect(catalogue.approval('DIALOG_FORESPORSEL', 'dialog-1.0', day)).toBeDefined();
    expect(catalogue.approval('APPREC', 'apprec-1.1', day)).toBeDefined();
    expect(catalogue.approval('APPREC', 'apprec-1.0', day)).toBeDefined();
  });

  it('does not approve a type in a version it was not approved in, nor after it was withdrawn', () => {
    expect(catalogue.approval('DIALOG_FORESPORSEL', 'dialog-1.1', day)).toBeUndefined();
    expect(catalogue.approval('LOG_DOD', 'plo-1.6', day)).toBeUndefined();
    const withdrawn = new ApprovedStandardsCatalogue({ catalogueVersion: 't', entries: [{ msgType: 'A', version: 'v', approvedOn: '2020-01-01', withdrawnOn: '2026-01-01', procedure: 'p' }] });
    expect(withdrawn.approval('A', 'v', new Date('2025-12-31T23:00:00Z'))).toBeDefined();
    expect(withdrawn.approval('A', 'v', day)).toBeUndefined();
  });

  it('has one entry per type and version', () => {
    const keys = APPROVED_STANDARDS.entries.map((e) => `${e.msgType}@${e.version}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('derivedEventId', () => {
  it('is a stable UUID per input and differs per stage and receiver', () => {
    const a = derivedEventId('validation', 'e1');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derivedEventId('validation', 'e1')).toBe(a);
    expect(derivedEventId('dispatch', 'e1')).not.toBe(a);
    expect(derivedEventId('dispatch', 'e1', '9100100')).not.toBe(derivedEventId('dispatch', 'e1', '9100110'));
  });
});
