import { X509Certificate } from 'node:crypto';
import { EXPIRY_ALERT_DAYS, daysUntil, expiryAlertLevel } from '@hub/seal';

export type CertificatePurposeName = 'signing' | 'encryption';

/** A certificate of a party, as the registry stores it. */
export interface PartyCertificateRef {
  herId: number;
  purpose: CertificatePurposeName;
  pem: string;
}

/** A certificate that has reached an alert threshold. */
export interface CertificateExpiryFinding {
  herId: number;
  purpose: CertificatePurposeName;
  /** SHA-256 of the DER, hex lower case without colons. */
  fingerprint: string;
  notAfter: Date;
  /** Whole days left (negative once expired). */
  daysLeft: number;
  /** The threshold reached: 30, 14, 7 or 1, or 0 once expired. */
  threshold: number;
}

/**
 * The one threshold a certificate has reached now, or null when it is further away
 * than the largest threshold. Only the nearest threshold counts: a certificate first
 * seen 10 days before expiry gets the 14-day warning, not the 30-day one as well.
 * Unreadable PEM is reported as null (the crypto service refuses such certificates
 * with its own code; alerting has nothing to count down).
 */
export function certificateExpiryFinding(
  cert: PartyCertificateRef,
  now: Date,
  thresholds: readonly number[] = EXPIRY_ALERT_DAYS,
): CertificateExpiryFinding | null {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert.pem);
  } catch {
    return null;
  }
  const notAfter = new Date(x509.validTo);
  if (Number.isNaN(notAfter.getTime())) return null;
  const daysLeft = daysUntil(notAfter, now);
  const threshold = notAfter.getTime() <= now.getTime() ? 0 : expiryAlertLevel(daysLeft, thresholds);
  if (threshold === null) return null;
  return {
    herId: cert.herId,
    purpose: cert.purpose,
    fingerprint: x509.fingerprint256.replace(/:/g, '').toLowerCase(),
    notAfter,
    daysLeft,
    threshold,
  };
}

/** Every certificate of every party that has reached a threshold. */
export function certificateExpiryFindings(
  parties: readonly { herId: number; signingCertPem: string | null; encryptionCertPem: string | null }[],
  now: Date,
  thresholds: readonly number[] = EXPIRY_ALERT_DAYS,
): CertificateExpiryFinding[] {
  const out: CertificateExpiryFinding[] = [];
  for (const p of parties) {
    for (const [purpose, pem] of [
      ['signing', p.signingCertPem],
      ['encryption', p.encryptionCertPem],
    ] as const) {
      if (!pem) continue;
      const finding = certificateExpiryFinding({ herId: p.herId, purpose, pem }, now, thresholds);
      if (finding) out.push(finding);
    }
  }
  return out;
}
