// The one file that touches node-forge (X.509 parsing and issuing). node-forge ships no
// types and the workspace has no @types/node-forge, so the few calls the seal lib makes are
// typed here, and nothing else imports the vendor module. No business logic in this file.
import { createRequire } from 'node:module';

/** An X.509 name (subject or issuer) as forge models it. */
export interface ForgeName {
  getField(sn: string | { type: string }): { value: string } | null;
  hash: string;
  attributes: { type?: string; name?: string; shortName?: string; value: string }[];
}

export interface ForgeKeyUsage {
  digitalSignature?: boolean;
  nonRepudiation?: boolean;
  keyEncipherment?: boolean;
  dataEncipherment?: boolean;
  keyAgreement?: boolean;
  keyCertSign?: boolean;
  cRLSign?: boolean;
}

export interface ForgeCertificate {
  serialNumber: string;
  validity: { notBefore: Date; notAfter: Date };
  subject: ForgeName;
  issuer: ForgeName;
  publicKey: unknown;
  setSubject(attrs: ForgeAttribute[]): void;
  setIssuer(attrs: ForgeAttribute[]): void;
  setExtensions(exts: Record<string, unknown>[]): void;
  getExtension(name: string): (ForgeKeyUsage & { cA?: boolean }) | null;
  sign(key: unknown, md: unknown): void;
  /** Verifies that `child` was issued (and signed) by this certificate; throws on a name mismatch. */
  verify(child: ForgeCertificate): boolean;
}

export interface ForgeAttribute {
  type?: string;
  name?: string;
  shortName?: string;
  value: string;
}

interface Forge {
  pki: {
    createCertificate(): ForgeCertificate;
    certificateFromPem(pem: string): ForgeCertificate;
    certificateToPem(cert: ForgeCertificate): string;
    publicKeyFromPem(pem: string): unknown;
    privateKeyFromPem(pem: string): unknown;
  };
  md: { sha256: { create(): unknown } };
}

const forge = createRequire(import.meta.url)('node-forge') as Forge;

/** Object identifier of the X.520 serialNumber attribute, where the hub puts the HER-id. */
export const SERIAL_NUMBER_OID = '2.5.4.5';
export const COMMON_NAME_OID = '2.5.4.3';

export const parseCertificatePem = (pem: string): ForgeCertificate => forge.pki.certificateFromPem(pem);
export const createCertificate = (): ForgeCertificate => forge.pki.createCertificate();
export const certificateToPem = (cert: ForgeCertificate): string => forge.pki.certificateToPem(cert);
export const forgePublicKeyFromPem = (pem: string): unknown => forge.pki.publicKeyFromPem(pem);
export const forgePrivateKeyFromPem = (pem: string): unknown => forge.pki.privateKeyFromPem(pem);
export const sha256Digest = (): unknown => forge.md.sha256.create();

const UTF8_STRING = 12;

/** The text of one attribute of a name (UTF8String values are decoded; forge keeps them as bytes). */
export function nameField(name: ForgeName, oid: string): string | null {
  const field = name.getField({ type: oid }) as { value: string; valueTagClass?: number } | null;
  if (!field) return null;
  return field.valueTagClass === UTF8_STRING ? Buffer.from(field.value, 'binary').toString('utf8') : field.value;
}

/** A name attribute encoded as UTF8String (party names have æ, ø, å; PrintableString has none). */
export const utf8Attribute = (oid: string, value: string): ForgeAttribute & { valueTagClass: number } => ({ type: oid, value, valueTagClass: UTF8_STRING });
