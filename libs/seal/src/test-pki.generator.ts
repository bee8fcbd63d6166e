import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { access, chmod, mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CertificatePurpose } from './certificate.pem.js';
import { keyMatchesCertificate } from './certificate.pem.js';
import { CryptoErrorCodes, cryptoError } from './crypto.error-codes.js';
import {
  COMMON_NAME_OID,
  SERIAL_NUMBER_OID,
  certificateToPem,
  createCertificate,
  forgePrivateKeyFromPem,
  forgePublicKeyFromPem,
  parseCertificatePem,
  sha256Digest,
  utf8Attribute,
  type ForgeKeyUsage,
} from './forge.adapter.js';

const DAY_MS = 24 * 3600 * 1000;
/** notBefore is set this far back, so a clock a little behind still accepts a fresh certificate. */
const BACKDATE_MS = 5 * 60 * 1000;
const COUNTRY_OID = '2.5.4.6';
const ORGANISATION_OID = '2.5.4.10';

/** File layout of a PKI directory (docs/delivery-design.md). */
export const PkiFiles = {
  caCert: 'ca.cert.pem',
  caKey: 'ca.key.pem',
  cert: (herId: string | number, purpose: CertificatePurpose) => path.join(String(herId), `${fileStem(purpose)}.cert.pem`),
  key: (herId: string | number, purpose: CertificatePurpose) => path.join(String(herId), `${fileStem(purpose)}.key.pem`),
} as const;

function fileStem(purpose: CertificatePurpose): string {
  return purpose === 'sign' ? 'signing' : 'encryption';
}

/** The key usages the hub issues per purpose. */
export const KEY_USAGE: Record<CertificatePurpose, ForgeKeyUsage> = {
  sign: { digitalSignature: true, nonRepudiation: true },
  encrypt: { keyEncipherment: true, dataEncipherment: true },
};

/** A CA that can issue certificates (the test CA: its key is a file next to its certificate). */
export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
}

export interface PkiParty {
  /** Organisation HER-id: the directory name and the subject serialNumber. */
  herId: string | number;
  /** Organisation name: the subject CN. */
  name: string;
}

export interface IssueCertificateOptions extends PkiParty {
  purpose: CertificatePurpose;
  notBefore: Date;
  notAfter: Date;
  /** Overrides the purpose's key usage (tests mint wrongly-used certificates with it). */
  keyUsage?: ForgeKeyUsage;
}

/** A certificate and its private key, both PEM (the key PKCS#8). */
export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

function newRsaKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f; // positive INTEGER
  return bytes.toString('hex');
}

/** X.509 times have whole seconds. */
const wholeSeconds = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

/** A self-signed CA (RSA-2048, basicConstraints cA, keyCertSign + cRLSign). */
export function createCertificateAuthority(opts: { name?: string; now?: Date; validDays?: number } = {}): CertificateAuthority {
  const now = opts.now ?? new Date();
  const { publicKeyPem, privateKeyPem } = newRsaKeyPair();
  const cert = createCertificate();
  cert.publicKey = forgePublicKeyFromPem(publicKeyPem);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = wholeSeconds(new Date(now.getTime() - BACKDATE_MS));
  cert.validity.notAfter = wholeSeconds(new Date(now.getTime() + (opts.validDays ?? 3650) * DAY_MS));
  const name = [utf8Attribute(COMMON_NAME_OID, opts.name ?? 'Samhandling hub test CA'), utf8Attribute(ORGANISATION_OID, 'Samhandling hub (TEST)'), { type: COUNTRY_OID, value: 'NO' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forgePrivateKeyFromPem(privateKeyPem), sha256Digest());
  return { certPem: certificateToPem(cert), keyPem: privateKeyPem };
}

/**
 * Issues a party certificate with a fresh RSA-2048 key: subject `CN=<name>, serialNumber=<herId>`,
 * the purpose's key usage (critical), signed SHA-256 by `ca`.
 */
export function issueCertificate(ca: CertificateAuthority, opts: IssueCertificateOptions): IssuedCertificate {
  const caCert = parseCertificatePem(ca.certPem);
  const { publicKeyPem, privateKeyPem } = newRsaKeyPair();
  const cert = createCertificate();
  cert.publicKey = forgePublicKeyFromPem(publicKeyPem);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = wholeSeconds(opts.notBefore);
  cert.validity.notAfter = wholeSeconds(opts.notAfter);
  cert.setSubject([
    utf8Attribute(COMMON_NAME_OID, opts.name),
    { type: SERIAL_NUMBER_OID, value: String(opts.herId) },
    { type: COUNTRY_OID, value: 'NO' },
  ]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', ...(opts.keyUsage ?? KEY_USAGE[opts.purpose]), critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forgePrivateKeyFromPem(ca.keyPem), sha256Digest());
  return { certPem: certificateToPem(cert), keyPem: privateKeyPem };
}

/** Reads the CA of a PKI directory (certificate and key). */
export async function loadCertificateAuthority(dir: string): Promise<CertificateAuthority> {
  const [certPem, keyPem] = await Promise.all([readText(path.join(dir, PkiFiles.caCert)), readText(path.join(dir, PkiFiles.caKey))]);
  if (!certPem) throw cryptoError(CryptoErrorCodes.NoCertificate, `no CA certificate in ${dir}`, { dir });
  if (!keyPem) throw cryptoError(CryptoErrorCodes.NoPrivateKey, `no CA key in ${dir}`, { dir });
  return { certPem, keyPem };
}

export interface GenerateTestPkiOptions {
  dir: string;
  parties: readonly PkiParty[];
  /** Validity of newly issued party certificates; default 365 days. */
  validDays?: number;
  /** Issue time; default now. */
  now?: Date;
}

export interface TestPki {
  dir: string;
  caCertPem: string;
  /** Certificates per organisation HER-id (numbers, as the registry keys them). */
  certificates: Map<number, { signingCertPem: string; encryptionCertPem: string }>;
  /** Files written by this call (relative to dir); empty when everything was already there. */
  written: string[];
}

/**
 * Writes (or completes) a test PKI in `dir`: `ca.cert.pem` + `ca.key.pem`, and per party
 * `<herId>/{signing,encryption}.{cert,key}.pem`. Idempotent: existing files are kept
 * when the certificate was issued by the directory's CA and the key belongs to it;
 * anything missing (or left over from another CA) is generated. Keys are written
 * with mode 0600, each file atomically (temp file + rename).
 */
export async function generateTestPki(opts: GenerateTestPkiOptions): Promise<TestPki> {
  const now = opts.now ?? new Date();
  const validDays = opts.validDays ?? 365;
  const written: string[] = [];
  await mkdir(opts.dir, { recursive: true, mode: 0o700 });

  const existingCaCert = await readText(path.join(opts.dir, PkiFiles.caCert));
  const existingCaKey = await readText(path.join(opts.dir, PkiFiles.caKey));
  let ca: CertificateAuthority;
  if (existingCaCert && existingCaKey && keyMatchesCertificate(existingCaKey, existingCaCert)) {
    ca = { certPem: existingCaCert, keyPem: existingCaKey };
  } else {
    ca = createCertificateAuthority({ now, validDays: Math.max(3650, validDays) });
    await writeFileAtomic(path.join(opts.dir, PkiFiles.caKey), ca.keyPem, 0o600);
    await writeFileAtomic(path.join(opts.dir, PkiFiles.caCert), ca.certPem, 0o644);
    written.push(PkiFiles.caKey, PkiFiles.caCert);
  }
  const caCert = parseCertificatePem(ca.certPem);

  const certificates: TestPki['certificates'] = new Map();
  for (const party of opts.parties) {
    if (!/^\d{1,9}$/.test(String(party.herId))) throw new TypeError(`HER-id must be 1-9 digits, got '${party.herId}'`);
    await mkdir(path.join(opts.dir, String(party.herId)), { recursive: true, mode: 0o700 });
    const pems: Partial<Record<CertificatePurpose, string>> = {};
    for (const purpose of ['sign', 'encrypt'] as const) {
      const certFile = PkiFiles.cert(party.herId, purpose);
      const keyFile = PkiFiles.key(party.herId, purpose);
      const certPem = await readText(path.join(opts.dir, certFile));
      const keyPem = await readText(path.join(opts.dir, keyFile));
      if (certPem && keyPem && issuedBy(caCert, certPem) && keyMatchesCertificate(keyPem, certPem)) {
        pems[purpose] = certPem;
        continue;
      }
      const issued = issueCertificate(ca, {
        ...party,
        purpose,
        notBefore: new Date(now.getTime() - BACKDATE_MS),
        notAfter: new Date(now.getTime() + validDays * DAY_MS),
      });
      await writeFileAtomic(path.join(opts.dir, keyFile), issued.keyPem, 0o600);
      await writeFileAtomic(path.join(opts.dir, certFile), issued.certPem, 0o644);
      written.push(keyFile, certFile);
      pems[purpose] = issued.certPem;
    }
    certificates.set(Number(party.herId), { signingCertPem: pems.sign!, encryptionCertPem: pems.encrypt! });
  }
  return { dir: opts.dir, caCertPem: ca.certPem, certificates, written };
}

/** One party's keys and certificates, read from a PKI directory. */
export interface PartyKeys {
  herId: string;
  signingKeyPem: string;
  signingCertPem: string;
  encryptionKeyPem: string;
  encryptionCertPem: string;
}

/**
 * Reads a party's private keys and certificates from `<dir>/<herId>/`.
 * @throws HubError CRYPTO.NO_PRIVATE_KEY when a key file is missing, CRYPTO.NO_CERTIFICATE when a
 *   certificate file is missing (retriable=false: an operator must provision them).
 */
export async function loadPartyKeys(dir: string, herId: string | number): Promise<PartyKeys> {
  const id = String(herId);
  if (!/^\d{1,9}$/.test(id)) throw cryptoError(CryptoErrorCodes.NoPrivateKey, `HER-id must be 1-9 digits, got '${id}'`, { herId: id });
  const read = async (purpose: CertificatePurpose) => {
    const keyFile = path.join(dir, PkiFiles.key(id, purpose));
    const certFile = path.join(dir, PkiFiles.cert(id, purpose));
    const [keyPem, certPem] = await Promise.all([readText(keyFile), readText(certFile)]);
    if (!keyPem) throw cryptoError(CryptoErrorCodes.NoPrivateKey, `no ${fileStem(purpose)} key for HER-id ${id} (${keyFile})`, { herId: id, purpose });
    if (!certPem) throw cryptoError(CryptoErrorCodes.NoCertificate, `no ${fileStem(purpose)} certificate for HER-id ${id} (${certFile})`, { herId: id, purpose });
    return { keyPem, certPem };
  };
  const [sign, encrypt] = await Promise.all([read('sign'), read('encrypt')]);
  return { herId: id, signingKeyPem: sign.keyPem, signingCertPem: sign.certPem, encryptionKeyPem: encrypt.keyPem, encryptionCertPem: encrypt.certPem };
}

/**
 * Every party's certificates in a PKI directory (each `<herId>/` with both certificate
 * files), keyed by HER-id: the `certs` argument of the registry's `seedRegistry`.
 */
export async function readPartyCertificates(dir: string): Promise<Map<number, { signingCertPem: string; encryptionCertPem: string }>> {
  const out = new Map<number, { signingCertPem: string; encryptionCertPem: string }>();
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory() || !/^\d{1,9}$/.test(entry.name)) continue;
    const [signingCertPem, encryptionCertPem] = await Promise.all([
      readText(path.join(dir, PkiFiles.cert(entry.name, 'sign'))),
      readText(path.join(dir, PkiFiles.cert(entry.name, 'encrypt'))),
    ]);
    if (signingCertPem && encryptionCertPem) out.set(Number(entry.name), { signingCertPem, encryptionCertPem });
  }
  return out;
}

function issuedBy(caCert: ReturnType<typeof parseCertificatePem>, certPem: string): boolean {
  try {
    return caCert.verify(parseCertificatePem(certPem));
  } catch {
    return false;
  }
}

async function readText(file: string): Promise<string | null> {
  try {
    await access(file);
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

async function writeFileAtomic(file: string, text: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode); // the umask may have taken bits away from a public file; never adds any to a key
  await rename(tmp, file);
}
