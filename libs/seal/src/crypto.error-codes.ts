import { HubError } from '@hub/errors';

/** Stable codes of the seal lib and the crypto service (HubError.code). */
export const CryptoErrorCodes = {
  /** The certificate's notAfter has passed. */
  CertExpired: 'CRYPTO.CERT_EXPIRED',
  /** The certificate's notBefore is still in the future. */
  CertNotYetValid: 'CRYPTO.CERT_NOT_YET_VALID',
  /** The key usage does not allow the purpose (a signing certificate used to encrypt, …). */
  CertWrongUsage: 'CRYPTO.CERT_WRONG_USAGE',
  /** Not issued by a trusted CA (or its signature does not verify, or it cannot be parsed). */
  CertUntrusted: 'CRYPTO.CERT_UNTRUSTED',
  /** The certificate names another HER-id than the party it is used for (or none). */
  CertWrongParty: 'CRYPTO.CERT_WRONG_PARTY',
  /** No certificate where one is needed (registry entry without one, JWS without x5c). */
  NoCertificate: 'CRYPTO.NO_CERTIFICATE',
  /** No private key for a party, or one that does not belong to its registered certificate. */
  NoPrivateKey: 'CRYPTO.NO_PRIVATE_KEY',
  /** The JWS signature does not verify (tampered document or wrong signer key). */
  SignatureInvalid: 'CRYPTO.SIGNATURE_INVALID',
  /** The JWE cannot be decrypted with this party's key (meant for another party, or corrupt). */
  DecryptFailed: 'CRYPTO.DECRYPT_FAILED',
} as const;

export type CryptoErrorCode = (typeof CryptoErrorCodes)[keyof typeof CryptoErrorCodes];

/** Kodeverk 8221 (AppRec error codes) that the crypto codes map to. */
export const Kodeverk8221 = {
  /** Signature error. */
  SignatureError: 'S01',
  /** Invalid certificate. */
  InvalidCertificate: 'S02',
  /** Revoked certificate (needs CRL/OCSP: not done by the test PKI). */
  RevokedCertificate: 'S03',
  /** Other signature or certificate error. */
  Other: 'S99',
} as const;

const TO_8221: Record<CryptoErrorCode, string> = {
  [CryptoErrorCodes.CertExpired]: Kodeverk8221.InvalidCertificate,
  [CryptoErrorCodes.CertNotYetValid]: Kodeverk8221.InvalidCertificate,
  [CryptoErrorCodes.CertWrongUsage]: Kodeverk8221.InvalidCertificate,
  [CryptoErrorCodes.CertUntrusted]: Kodeverk8221.InvalidCertificate,
  [CryptoErrorCodes.CertWrongParty]: Kodeverk8221.InvalidCertificate,
  [CryptoErrorCodes.NoCertificate]: Kodeverk8221.InvalidCertificate,
  [CryptoErrorCodes.SignatureInvalid]: Kodeverk8221.SignatureError,
  [CryptoErrorCodes.NoPrivateKey]: Kodeverk8221.Other,
  [CryptoErrorCodes.DecryptFailed]: Kodeverk8221.Other,
};

/**
 * The kodeverk 8221 code for a crypto error code (S01 signature, S02 invalid
 * certificate, S99 anything else); undefined for a code that is not a crypto code.
 */
export function kodeverk8221For(code: string): string | undefined {
  return (TO_8221 as Record<string, string>)[code];
}

/** True for the codes of this lib (`CRYPTO.*`). */
export function isCryptoErrorCode(code: string): code is CryptoErrorCode {
  return code in TO_8221;
}

/** A permanent crypto refusal: retrying the same input never helps. */
export function cryptoError(code: CryptoErrorCode, message: string, metadata: Record<string, unknown> = {}, cause?: unknown): HubError {
  return new HubError(code, message, { retriable: false, cause, metadata: { ...metadata, kodeverk8221: TO_8221[code] } });
}
