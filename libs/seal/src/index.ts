export { CryptoErrorCodes, Kodeverk8221, cryptoError, isCryptoErrorCode, kodeverk8221For } from './crypto.error-codes.js';
export type { CryptoErrorCode } from './crypto.error-codes.js';
export { certificateFingerprint, keyMatchesCertificate, pemToX5c, x5cToPem } from './certificate.pem.js';
export type { CertificatePurpose } from './certificate.pem.js';
export { CertificateValidator, EXPIRY_ALERT_DAYS, daysUntil, expiryAlertLevel } from './certificate.validator.js';
export type { CertificateInfo, CertificateValidatorOptions, ValidateOptions, ValidatedCertificate } from './certificate.validator.js';
export {
  KEY_USAGE,
  PkiFiles,
  createCertificateAuthority,
  generateTestPki,
  issueCertificate,
  loadCertificateAuthority,
  loadPartyKeys,
  readPartyCertificates,
} from './test-pki.generator.js';
export type {
  CertificateAuthority,
  GenerateTestPkiOptions,
  IssueCertificateOptions,
  IssuedCertificate,
  PartyKeys,
  PkiParty,
  TestPki,
} from './test-pki.generator.js';
export { PartyKeyRing } from './party-key.ring.js';
export { JoseKeyCache } from './jose-key.cache.js';
export { CONTENT_ENCRYPTION_ALG, KEY_ENCRYPTION_ALG, SIGNATURE_ALG, Sealer } from './envelope.sealer.js';
export type { SealRecipient, SealSigner, SealedEnvelope } from './envelope.sealer.js';
export { Opener } from './envelope.opener.js';
export type { OpenOptions, OpenRecipient, OpenedEnvelope, VerifiedDocument } from './envelope.opener.js';
