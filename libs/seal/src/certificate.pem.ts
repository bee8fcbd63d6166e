import { createHash, createPublicKey } from 'node:crypto';

/** What a certificate may be used for in the hub. */
export type CertificatePurpose = 'sign' | 'encrypt';

const PEM_CERT = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/;

/** The base64 DER of a PEM certificate: the form a JWS `x5c` header carries. */
export function pemToX5c(pem: string): string {
  const m = PEM_CERT.exec(pem);
  if (!m) throw new TypeError('not a PEM certificate');
  return m[1].replace(/\s+/g, '');
}

/** A PEM certificate from one `x5c` entry (base64 DER, not base64url). */
export function x5cToPem(x5c: string): string {
  const body = x5c.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw new TypeError('x5c entry is not base64');
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** SHA-256 fingerprint (hex) of a PEM certificate's DER bytes. */
export function certificateFingerprint(pem: string): string {
  return createHash('sha256').update(Buffer.from(pemToX5c(pem), 'base64')).digest('hex');
}

/** True when `privateKeyPem` is the private half of the key in `certPem`. */
export function keyMatchesCertificate(privateKeyPem: string, certPem: string): boolean {
  const fromKey = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' });
  const fromCert = createPublicKey(certPem).export({ type: 'spki', format: 'der' });
  return fromKey.equals(fromCert);
}
