/**
 * Test helpers for code that seals and opens messages (second entry point:
 * `@hub/seal/testing`): throw-away PKIs and certificates that each break one rule.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CertificatePurpose } from './certificate.pem.js';
import {
  KEY_USAGE,
  createCertificateAuthority,
  generateTestPki,
  issueCertificate,
  type CertificateAuthority,
  type IssuedCertificate,
  type PkiParty,
  type TestPki,
} from './test-pki.generator.js';

const DAY_MS = 24 * 3600 * 1000;

export interface MintOptions {
  ca: CertificateAuthority;
  herId: string | number;
  name?: string;
  purpose: CertificatePurpose;
  /** Reference time; default now. */
  now?: Date;
}

const base = (o: MintOptions) => ({ herId: o.herId, name: o.name ?? `Test party ${o.herId}`, purpose: o.purpose });

/** A certificate valid from `now − 1 day` for `validDays` (default 30). */
export function mintValidCertificate(o: MintOptions & { validDays?: number }): IssuedCertificate {
  const now = (o.now ?? new Date()).getTime();
  return issueCertificate(o.ca, { ...base(o), notBefore: new Date(now - DAY_MS), notAfter: new Date(now + (o.validDays ?? 30) * DAY_MS) });
}

/** A certificate that expired `daysAgo` days before `now` (default 1). */
export function mintExpiredCertificate(o: MintOptions & { daysAgo?: number }): IssuedCertificate {
  const now = (o.now ?? new Date()).getTime();
  const notAfter = now - (o.daysAgo ?? 1) * DAY_MS;
  return issueCertificate(o.ca, { ...base(o), notBefore: new Date(notAfter - 365 * DAY_MS), notAfter: new Date(notAfter) });
}

/** A certificate that becomes valid `inDays` days after `now` (default 1). */
export function mintNotYetValidCertificate(o: MintOptions & { inDays?: number }): IssuedCertificate {
  const notBefore = (o.now ?? new Date()).getTime() + (o.inDays ?? 1) * DAY_MS;
  return issueCertificate(o.ca, { ...base(o), notBefore: new Date(notBefore), notAfter: new Date(notBefore + 365 * DAY_MS) });
}

/** A certificate for `purpose` carrying the other purpose's key usage (an encryption certificate used to sign, …). */
export function mintWrongUsageCertificate(o: MintOptions): IssuedCertificate {
  const now = (o.now ?? new Date()).getTime();
  return issueCertificate(o.ca, {
    ...base(o),
    keyUsage: KEY_USAGE[o.purpose === 'sign' ? 'encrypt' : 'sign'],
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 30 * DAY_MS),
  });
}

/** A certificate issued by a fresh CA that nobody trusts (same CA name as the test CA, other key). */
export function mintUnknownCaCertificate(o: Omit<MintOptions, 'ca'>): IssuedCertificate & { ca: CertificateAuthority } {
  const ca = createCertificateAuthority({ now: o.now });
  return { ...mintValidCertificate({ ...o, ca }), ca };
}

/** A PKI in a fresh temp directory; `remove()` deletes it. */
export async function createTempPki(parties: readonly PkiParty[], opts: { validDays?: number; now?: Date } = {}): Promise<TestPki & { remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hub-pki-'));
  const pki = await generateTestPki({ dir, parties, ...opts });
  return { ...pki, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The compact JWS with one character of its payload changed (signature left as it was). */
export function tamperJwsPayload(jws: string): string {
  const [header, payload, signature] = jws.split('.');
  const bytes = Buffer.from(payload, 'base64url');
  bytes[bytes.length - 1] ^= 0x01;
  return [header, bytes.toString('base64url'), signature].join('.');
}
