import { HubError } from '@hub/errors';
import { CertificateValidator, daysUntil, expiryAlertLevel } from './certificate.validator.js';
import { CryptoErrorCodes, kodeverk8221For } from './crypto.error-codes.js';
import { createCertificateAuthority, issueCertificate, type CertificateAuthority } from './test-pki.generator.js';
import {
  mintExpiredCertificate,
  mintNotYetValidCertificate,
  mintUnknownCaCertificate,
  mintValidCertificate,
  mintWrongUsageCertificate,
} from './testing.js';

const T0 = new Date('2026-06-01T12:00:00Z');
const DAY = 24 * 3600 * 1000;

function refusal(fn: () => unknown): HubError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HubError) return err;
    throw err;
  }
  throw new Error('expected a refusal, got none');
}

describe('CertificateValidator', () => {
  let ca: CertificateAuthority;
  let now: Date;
  let validator: CertificateValidator;

  beforeAll(() => {
    ca = createCertificateAuthority({ now: new Date(T0.getTime() - 30 * DAY) });
    validator = new CertificateValidator({ trustAnchors: [ca.certPem], now: () => now });
  });
  beforeEach(() => {
    now = T0;
  });

  it('accepts a signing and an encryption certificate of the test CA and reads the HER-id from the subject', () => {
    const sign = mintValidCertificate({ ca, herId: 9100100, name: 'Kragerø kommune', purpose: 'sign', now: T0 });
    const enc = mintValidCertificate({ ca, herId: 9100100, purpose: 'encrypt', now: T0 });
    const ok = validator.validate(sign.certPem, 'sign', { expectedHerId: 9100100 });
    expect(ok).toMatchObject({ herId: '9100100', commonName: 'Kragerø kommune', purpose: 'sign' });
    expect(ok.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(validator.validate(enc.certPem, 'encrypt', { expectedHerId: '9100100' }).herId).toBe('9100100');
  });

  it('refuses a missing certificate with CRYPTO.NO_CERTIFICATE (S02, not retriable)', () => {
    for (const pem of [undefined, null, '']) {
      const err = refusal(() => validator.validate(pem, 'encrypt', { role: 'receiver 9100100' }));
      expect(err).toMatchObject({ code: CryptoErrorCodes.NoCertificate, retriable: false });
      expect(err.metadata.kodeverk8221).toBe('S02');
      expect(err.message).toContain('receiver 9100100');
    }
  });

  it('refuses an expired certificate with CRYPTO.CERT_EXPIRED', () => {
    const { certPem } = mintExpiredCertificate({ ca, herId: 9100110, purpose: 'encrypt', now: T0, daysAgo: 2 });
    const err = refusal(() => validator.validate(certPem, 'encrypt'));
    expect(err).toMatchObject({ code: 'CRYPTO.CERT_EXPIRED', retriable: false });
    expect(kodeverk8221For(err.code)).toBe('S02');
  });

  it('refuses a not-yet-valid certificate with CRYPTO.CERT_NOT_YET_VALID', () => {
    const { certPem } = mintNotYetValidCertificate({ ca, herId: 9100110, purpose: 'sign', now: T0, inDays: 3 });
    expect(refusal(() => validator.validate(certPem, 'sign')).code).toBe('CRYPTO.CERT_NOT_YET_VALID');
  });

  it('is valid through the last second of notAfter and expired one second later (injected clock)', () => {
    const notBefore = new Date(T0.getTime() - DAY);
    const notAfter = new Date(T0.getTime() + DAY);
    const { certPem } = issueCertificate(ca, { herId: 9100120, name: 'Bamble kommune', purpose: 'encrypt', notBefore, notAfter });
    now = notAfter;
    expect(validator.validate(certPem, 'encrypt').herId).toBe('9100120');
    now = new Date(notAfter.getTime() + 1000);
    expect(refusal(() => validator.validate(certPem, 'encrypt')).code).toBe('CRYPTO.CERT_EXPIRED');
    now = notBefore;
    expect(validator.validate(certPem, 'encrypt').herId).toBe('9100120');
    now = new Date(notBefore.getTime() - 1000);
    expect(refusal(() => validator.validate(certPem, 'encrypt')).code).toBe('CRYPTO.CERT_NOT_YET_VALID');
  });

  it('refuses a certificate whose key usage does not fit the purpose with CRYPTO.CERT_WRONG_USAGE', () => {
    const encUsedToSign = mintWrongUsageCertificate({ ca, herId: 9100130, purpose: 'sign', now: T0 });
    const signUsedToEncrypt = mintWrongUsageCertificate({ ca, herId: 9100130, purpose: 'encrypt', now: T0 });
    expect(refusal(() => validator.validate(encUsedToSign.certPem, 'sign')).code).toBe('CRYPTO.CERT_WRONG_USAGE');
    expect(refusal(() => validator.validate(signUsedToEncrypt.certPem, 'encrypt')).code).toBe('CRYPTO.CERT_WRONG_USAGE');
    // and the right usage passes, so the refusal is about usage only
    const sign = mintValidCertificate({ ca, herId: 9100130, purpose: 'sign', now: T0 });
    expect(refusal(() => validator.validate(sign.certPem, 'encrypt')).code).toBe('CRYPTO.CERT_WRONG_USAGE');
  });

  it('refuses a certificate from a CA with the same name but another key with CRYPTO.CERT_UNTRUSTED', () => {
    const stranger = mintUnknownCaCertificate({ herId: 9100140, purpose: 'sign', now: T0 });
    const err = refusal(() => validator.validate(stranger.certPem, 'sign'));
    expect(err.code).toBe('CRYPTO.CERT_UNTRUSTED');
    expect(err.message).toContain('does not verify');
  });

  it('refuses a certificate from another CA name, and an unreadable one, with CRYPTO.CERT_UNTRUSTED', () => {
    const other = createCertificateAuthority({ name: 'Some other CA', now: T0 });
    const { certPem } = mintValidCertificate({ ca: other, herId: 9100150, purpose: 'sign', now: T0 });
    expect(refusal(() => validator.validate(certPem, 'sign')).message).toContain('unknown issuer');
    const trusted = mintValidCertificate({ ca, herId: 9100150, purpose: 'sign', now: T0 }).certPem;
    expect(validator.validate(trusted, 'sign').herId).toBe('9100150');
    const at = trusted.indexOf('\n') + 200;
    const garbled = `${trusted.slice(0, at)}${trusted[at] === 'A' ? 'B' : 'A'}${trusted.slice(at + 1)}`;
    expect(refusal(() => validator.validate(garbled, 'sign')).code).toBe('CRYPTO.CERT_UNTRUSTED');
    expect(refusal(() => validator.validate('not a certificate', 'sign')).code).toBe('CRYPTO.CERT_UNTRUSTED');
  });

  it('refuses a certificate that names another HER-id than expected with CRYPTO.CERT_WRONG_PARTY', () => {
    const { certPem } = mintValidCertificate({ ca, herId: 9100160, purpose: 'sign', now: T0 });
    expect(refusal(() => validator.validate(certPem, 'sign', { expectedHerId: 9100170 })).code).toBe('CRYPTO.CERT_WRONG_PARTY');
  });

  it('refuses when the trusted CA itself has expired', () => {
    const oldCa = createCertificateAuthority({ now: new Date(T0.getTime() - 20 * DAY), validDays: 10 });
    const v = new CertificateValidator({ trustAnchors: [oldCa.certPem], now: () => T0 });
    const { certPem } = mintValidCertificate({ ca: oldCa, herId: 9100180, purpose: 'sign', now: T0 });
    expect(refusal(() => v.validate(certPem, 'sign')).code).toBe('CRYPTO.CERT_UNTRUSTED');
  });

  it('returns the refusal from check() instead of throwing', () => {
    const { certPem } = mintExpiredCertificate({ ca, herId: 9100190, purpose: 'sign', now: T0 });
    expect(validator.check(certPem, 'sign')?.code).toBe('CRYPTO.CERT_EXPIRED');
    expect(validator.check(mintValidCertificate({ ca, herId: 9100190, purpose: 'sign', now: T0 }).certPem, 'sign')).toBeNull();
  });

  it('counts whole days until expiry by its clock, for the 30/14/7/1-day alerts', () => {
    const { certPem } = issueCertificate(ca, {
      herId: 9100200,
      name: 'Nome kommune',
      purpose: 'encrypt',
      notBefore: new Date(T0.getTime() - DAY),
      notAfter: new Date(T0.getTime() + 14 * DAY + 3600_000),
    });
    expect(validator.daysUntilExpiry(certPem)).toBe(14);
    now = new Date(T0.getTime() + 15 * DAY);
    expect(validator.daysUntilExpiry(certPem)).toBe(-1);
    expect(daysUntil(new Date(T0.getTime() + DAY - 1), T0)).toBe(0);
    expect([31, 30, 15, 14, 8, 7, 2, 1, 0, -3].map((d) => expiryAlertLevel(d))).toEqual([null, 30, 30, 14, 14, 7, 7, 1, 1, 1]);
  });
});

describe('kodeverk 8221 mapping', () => {
  it('maps certificate refusals to S02, a bad signature to S01 and the rest to S99', () => {
    expect(['CRYPTO.CERT_EXPIRED', 'CRYPTO.CERT_NOT_YET_VALID', 'CRYPTO.CERT_WRONG_USAGE', 'CRYPTO.CERT_UNTRUSTED', 'CRYPTO.NO_CERTIFICATE'].map(kodeverk8221For)).toEqual([
      'S02',
      'S02',
      'S02',
      'S02',
      'S02',
    ]);
    expect(kodeverk8221For('CRYPTO.SIGNATURE_INVALID')).toBe('S01');
    expect(kodeverk8221For('CRYPTO.DECRYPT_FAILED')).toBe('S99');
    expect(kodeverk8221For('VALIDATION.XSD_INVALID')).toBeUndefined();
  });
});
