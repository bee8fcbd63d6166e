import type { KeyObject } from 'node:crypto';
import { x5cToPem } from './certificate.pem.js';
import type { CertificateValidator, ValidatedCertificate } from './certificate.validator.js';
import { CryptoErrorCodes, cryptoError } from './crypto.error-codes.js';
import { compactJwsPayload, decryptCompactRsaOaep256A256Gcm, verifyCompactRs256 } from './envelope.jose.js';
import { CONTENT_ENCRYPTION_ALG, KEY_ENCRYPTION_ALG, SIGNATURE_ALG } from './envelope.sealer.js';
import { JoseKeyCache } from './jose-key.cache.js';

/** Who opens: the receiver organisation's HER-id and its encryption private key. */
export interface OpenRecipient {
  herId: string;
  encryptionKeyPem: string;
}

export interface OpenOptions {
  /** The organisation HER-id the signer's certificate must name (the MsgHead sender's organisation). */
  expectedSenderHerId?: string | number;
}

/** A verified document. */
export interface VerifiedDocument {
  /** The signed bytes. */
  document: Buffer;
  /** The signed bytes as UTF-8 text. */
  text: string;
  /** HER-id in the signer's certificate. */
  signerHerId: string;
  signerCertificate: ValidatedCertificate;
}

export interface OpenedEnvelope extends VerifiedDocument {
  /** The compact JWS found inside the JWE. */
  jws: string;
}

function decodeHeader(segment: string | undefined): Record<string, unknown> | null {
  if (!segment) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Opens sealed envelopes: decrypts the JWE with the receiver's encryption key, then
 * verifies the JWS inside: the `x5c` certificate must pass the CertificateValidator for
 * signing (and name the expected sender's HER-id when given) and the RS256 signature must
 * verify with it. Refusals: CRYPTO.DECRYPT_FAILED (not for this receiver, or corrupt),
 * CRYPTO.NO_PRIVATE_KEY, CRYPTO.NO_CERTIFICATE (no x5c), the validator's CERT_* codes,
 * CRYPTO.SIGNATURE_INVALID (kodeverk 8221 S01). Parsed keys are cached (JoseKeyCache).
 */
export class Opener {
  private readonly validator: CertificateValidator;
  private readonly keys: JoseKeyCache;

  constructor(opts: { validator: CertificateValidator; keys?: JoseKeyCache }) {
    this.validator = opts.validator;
    this.keys = opts.keys ?? new JoseKeyCache();
  }

  /** Decrypts `jwe` for `recipient` and verifies the signed document inside. */
  async open(jwe: string, recipient: OpenRecipient, opts: OpenOptions = {}): Promise<OpenedEnvelope> {
    const meta = { receiverHerId: recipient.herId };
    const parts = typeof jwe === 'string' ? jwe.split('.') : [];
    const header = parts.length === 5 ? decodeHeader(parts[0]) : null;
    if (!header) throw cryptoError(CryptoErrorCodes.DecryptFailed, 'not a compact JWE', meta);
    if (header.alg !== KEY_ENCRYPTION_ALG || header.enc !== CONTENT_ENCRYPTION_ALG) {
      throw cryptoError(CryptoErrorCodes.DecryptFailed, `JWE uses ${String(header.alg)}/${String(header.enc)}, expected ${KEY_ENCRYPTION_ALG}/${CONTENT_ENCRYPTION_ALG}`, meta);
    }
    if (header.kid !== undefined && String(header.kid) !== recipient.herId) {
      throw cryptoError(CryptoErrorCodes.DecryptFailed, `JWE is encrypted for HER-id ${String(header.kid)}, not ${recipient.herId}`, { ...meta, kid: String(header.kid) });
    }
    let key: KeyObject;
    try {
      key = this.keys.get(recipient.encryptionKeyPem);
    } catch (err) {
      throw cryptoError(CryptoErrorCodes.NoPrivateKey, `encryption key of HER-id ${recipient.herId} cannot be read`, meta, err);
    }
    let jws: string;
    try {
      jws = decryptCompactRsaOaep256A256Gcm(jwe, key).toString('utf8');
    } catch (err) {
      throw cryptoError(CryptoErrorCodes.DecryptFailed, `JWE cannot be decrypted with the key of HER-id ${recipient.herId}`, meta, err);
    }
    return { ...(await this.verify(jws, opts)), jws };
  }

  /** Verifies a compact JWS (signature and signer certificate) and returns what it signs. */
  async verify(jws: string, opts: OpenOptions = {}): Promise<VerifiedDocument> {
    const parts = jws.split('.');
    const header = parts.length === 3 ? decodeHeader(parts[0]) : null;
    if (!header) throw cryptoError(CryptoErrorCodes.SignatureInvalid, 'not a compact JWS');
    if (header.alg !== SIGNATURE_ALG) throw cryptoError(CryptoErrorCodes.SignatureInvalid, `JWS algorithm ${String(header.alg)} is not ${SIGNATURE_ALG}`);
    // RFC 7515 §4.1.11: an extension the verifier does not understand must not be ignored.
    if (header.crit !== undefined) throw cryptoError(CryptoErrorCodes.SignatureInvalid, 'JWS header lists critical extensions, which the hub does not support');
    const x5c = header.x5c;
    if (!Array.isArray(x5c) || typeof x5c[0] !== 'string') {
      throw cryptoError(CryptoErrorCodes.NoCertificate, 'JWS header carries no x5c signing certificate');
    }
    let certPem: string;
    try {
      certPem = x5cToPem(x5c[0]);
    } catch (err) {
      throw cryptoError(CryptoErrorCodes.CertUntrusted, 'x5c entry is not a certificate', {}, err);
    }
    const signerCertificate = this.validator.validate(certPem, 'sign', { expectedHerId: opts.expectedSenderHerId, role: 'signer' });
    let payload: Buffer;
    try {
      if (!verifyCompactRs256(jws, this.keys.get(certPem))) throw new Error('RS256 signature does not verify');
      payload = compactJwsPayload(jws);
    } catch (err) {
      throw cryptoError(CryptoErrorCodes.SignatureInvalid, `signature by HER-id ${signerCertificate.herId} does not verify`, { signerHerId: signerCertificate.herId }, err);
    }
    return { document: payload, text: payload.toString('utf8'), signerHerId: signerCertificate.herId, signerCertificate };
  }
}
