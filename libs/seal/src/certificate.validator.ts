import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { HubError } from '@hub/errors';
import { certificateFingerprint, type CertificatePurpose } from './certificate.pem.js';
import { CryptoErrorCodes, cryptoError } from './crypto.error-codes.js';
import { COMMON_NAME_OID, SERIAL_NUMBER_OID, nameField, parseCertificatePem, type ForgeCertificate } from './forge.adapter.js';

const DAY_MS = 24 * 3600 * 1000;

/** Days before expiry at which issue 5's alerting warns the meldingsansvarlig. */
export const EXPIRY_ALERT_DAYS: readonly number[] = [30, 14, 7, 1];

/** What a certificate says about itself (no checks made). */
export interface CertificateInfo {
  /** Subject serialNumber: the party's organisation HER-id, or null when absent or not a HER-id. */
  herId: string | null;
  commonName: string | null;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER bytes, hex. */
  fingerprint: string;
}

/** A certificate that passed every check for a purpose. */
export interface ValidatedCertificate extends CertificateInfo {
  herId: string;
  purpose: CertificatePurpose;
  pem: string;
}

export interface CertificateValidatorOptions {
  /** PEM certificates of the trusted CAs (the test CA locally; the virksomhetssertifikat issuers in production). */
  trustAnchors: readonly string[];
  /** The clock; injectable so expiry edges can be tested. */
  now?: () => Date;
  /** Parsed certificates kept (keyed by PEM); default 1000. */
  cacheSize?: number;
}

export interface ValidateOptions {
  /** The HER-id the certificate must name (subject serialNumber). */
  expectedHerId?: string | number;
  /** Who the certificate belongs to, for the error message (e.g. `receiver 9100100`). */
  role?: string;
}

interface Parsed {
  cert: ForgeCertificate;
  info: CertificateInfo;
  /** The trust anchor that issued it, or the reason none did (time-independent, so cached). */
  issuer: ForgeCertificate | { untrusted: string };
}

/**
 * Checks certificates against the hub's rules: chains to a trusted CA (signature
 * verified), inside its validity window by the injected clock, key usage fits the
 * purpose (sign: digitalSignature or nonRepudiation; encrypt: keyEncipherment), and
 * names a HER-id in its subject serialNumber (the expected one, when given).
 * Refusals are non-retriable HubErrors with `CRYPTO.*` codes (see CryptoErrorCodes);
 * their metadata carries the kodeverk 8221 code. Only one level is checked: the
 * certificate must be issued directly by a trust anchor.
 */
export class CertificateValidator {
  private readonly anchors: ForgeCertificate[];
  private readonly now: () => Date;
  private readonly cacheSize: number;
  private readonly parsed = new Map<string, Parsed>();

  constructor(opts: CertificateValidatorOptions) {
    if (opts.trustAnchors.length === 0) throw new TypeError('CertificateValidator needs at least one trust anchor');
    this.anchors = opts.trustAnchors.map((pem) => parseCertificatePem(pem));
    this.now = opts.now ?? (() => new Date());
    this.cacheSize = opts.cacheSize ?? 1000;
  }

  /** A validator trusting the CA of a PKI directory (`<dir>/ca.cert.pem`). */
  static async fromPkiDir(dir: string, opts: Omit<CertificateValidatorOptions, 'trustAnchors'> = {}): Promise<CertificateValidator> {
    const file = path.join(dir, 'ca.cert.pem');
    let pem: string;
    try {
      pem = await readFile(file, 'utf8');
    } catch (err) {
      throw cryptoError(CryptoErrorCodes.NoCertificate, `no trusted CA certificate at ${file}`, { file }, err);
    }
    return new CertificateValidator({ ...opts, trustAnchors: [pem] });
  }

  /**
   * Validates `pem` for `purpose` now.
   * @throws HubError CRYPTO.NO_CERTIFICATE, CERT_UNTRUSTED, CERT_NOT_YET_VALID, CERT_EXPIRED,
   *   CERT_WRONG_USAGE or CERT_WRONG_PARTY (all retriable=false).
   */
  validate(pem: string | null | undefined, purpose: CertificatePurpose, opts: ValidateOptions = {}): ValidatedCertificate {
    const role = opts.role ?? 'certificate';
    const meta: Record<string, unknown> = { purpose, ...(opts.expectedHerId !== undefined ? { expectedHerId: String(opts.expectedHerId) } : {}) };
    if (!pem) throw cryptoError(CryptoErrorCodes.NoCertificate, `${role}: no ${purpose === 'sign' ? 'signing' : 'encryption'} certificate`, meta);
    const entry = this.parse(pem, role, meta);
    const { cert, info } = entry;
    Object.assign(meta, { fingerprint: info.fingerprint, certHerId: info.herId });

    if ('untrusted' in entry.issuer) {
      throw cryptoError(CryptoErrorCodes.CertUntrusted, `${role}: certificate is not issued by a trusted CA (${entry.issuer.untrusted})`, meta);
    }
    const now = this.now();
    const ca = entry.issuer;
    if (now < ca.validity.notBefore || now > ca.validity.notAfter) {
      throw cryptoError(CryptoErrorCodes.CertUntrusted, `${role}: the issuing CA certificate is outside its validity period`, meta);
    }
    if (now < info.notBefore) {
      throw cryptoError(CryptoErrorCodes.CertNotYetValid, `${role}: certificate is not valid before ${info.notBefore.toISOString()}`, {
        ...meta,
        notBefore: info.notBefore.toISOString(),
      });
    }
    if (now > info.notAfter) {
      throw cryptoError(CryptoErrorCodes.CertExpired, `${role}: certificate expired ${info.notAfter.toISOString()}`, {
        ...meta,
        notAfter: info.notAfter.toISOString(),
      });
    }
    const usage = cert.getExtension('keyUsage');
    const allowed = purpose === 'sign' ? Boolean(usage?.digitalSignature || usage?.nonRepudiation) : Boolean(usage?.keyEncipherment);
    if (!allowed) {
      throw cryptoError(CryptoErrorCodes.CertWrongUsage, `${role}: key usage does not allow ${purpose === 'sign' ? 'signing' : 'encryption'}`, meta);
    }
    if (!info.herId) {
      throw cryptoError(CryptoErrorCodes.CertWrongParty, `${role}: certificate subject has no HER-id (serialNumber)`, meta);
    }
    if (opts.expectedHerId !== undefined && info.herId !== String(opts.expectedHerId)) {
      throw cryptoError(CryptoErrorCodes.CertWrongParty, `${role}: certificate belongs to HER-id ${info.herId}, expected ${String(opts.expectedHerId)}`, meta);
    }
    return { ...info, herId: info.herId, purpose, pem };
  }

  /** Like validate, but returns the refusal instead of throwing it (null when valid). */
  check(pem: string | null | undefined, purpose: CertificatePurpose, opts: ValidateOptions = {}): HubError | null {
    try {
      this.validate(pem, purpose, opts);
      return null;
    } catch (err) {
      if (err instanceof HubError) return err;
      throw err;
    }
  }

  /** What the certificate says about itself; throws CERT_UNTRUSTED when it cannot be parsed. */
  inspect(pem: string): CertificateInfo {
    return this.parse(pem, 'certificate', {}).info;
  }

  /**
   * Whole days until the certificate expires by this validator's clock (0 on its last day,
   * negative once expired). Issue 5 alerts at EXPIRY_ALERT_DAYS.
   */
  daysUntilExpiry(pem: string): number {
    return daysUntil(this.inspect(pem).notAfter, this.now());
  }

  private parse(pem: string, role: string, meta: Record<string, unknown>): Parsed {
    const hit = this.parsed.get(pem);
    if (hit) return hit;
    let cert: ForgeCertificate;
    let fingerprint: string;
    try {
      cert = parseCertificatePem(pem);
      fingerprint = certificateFingerprint(pem);
    } catch (err) {
      throw cryptoError(CryptoErrorCodes.CertUntrusted, `${role}: not a readable X.509 certificate`, meta, err);
    }
    const serial = nameField(cert.subject, SERIAL_NUMBER_OID);
    const info: CertificateInfo = {
      herId: serial && /^\d{1,9}$/.test(serial) ? serial : null,
      commonName: nameField(cert.subject, COMMON_NAME_OID),
      notBefore: cert.validity.notBefore,
      notAfter: cert.validity.notAfter,
      fingerprint,
    };
    const entry: Parsed = { cert, info, issuer: this.findIssuer(cert) };
    if (this.parsed.size >= this.cacheSize) this.parsed.delete(this.parsed.keys().next().value as string);
    this.parsed.set(pem, entry);
    return entry;
  }

  private findIssuer(cert: ForgeCertificate): Parsed['issuer'] {
    const candidates = this.anchors.filter((ca) => ca.subject.hash === cert.issuer.hash);
    if (candidates.length === 0) return { untrusted: 'unknown issuer' };
    for (const ca of candidates) {
      try {
        if (ca.verify(cert)) return ca;
      } catch {
        // a signature forge cannot verify counts as not issued by this CA
      }
    }
    return { untrusted: 'signature by the CA does not verify' };
  }
}

/** Whole days from `now` until `notAfter` (floor; negative once passed). */
export function daysUntil(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
}

/**
 * The alert threshold a certificate with `daysLeft` days has reached: the smallest of
 * `thresholds` that is ≥ daysLeft, or null when it is further away than all of them.
 */
export function expiryAlertLevel(daysLeft: number, thresholds: readonly number[] = EXPIRY_ALERT_DAYS): number | null {
  const reached = thresholds.filter((t) => daysLeft <= t);
  return reached.length === 0 ? null : Math.min(...reached);
}
