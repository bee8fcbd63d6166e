import { pemToX5c } from './certificate.pem.js';
import { encryptCompactRsaOaep256A256Gcm, signCompactRs256 } from './envelope.jose.js';
import { JoseKeyCache } from './jose-key.cache.js';

/** JWS algorithm of the hub's signatures. */
export const SIGNATURE_ALG = 'RS256';
/** JWE key management and content encryption. */
export const KEY_ENCRYPTION_ALG = 'RSA-OAEP-256';
export const CONTENT_ENCRYPTION_ALG = 'A256GCM';

/** Who signs: the sender organisation's signing key and certificate (the certificate goes into `x5c`). */
export interface SealSigner {
  herId: string;
  signingKeyPem: string;
  signingCertPem: string;
}

/** Who can open: the receiver organisation's HER-id (`kid`) and encryption certificate. */
export interface SealRecipient {
  herId: string;
  encryptionCertPem: string;
}

export interface SealedEnvelope {
  receiverHerId: string;
  /** Compact JWE; inside, the compact JWS of the document. */
  jwe: string;
}

const toBuffer = (document: string | Uint8Array): Buffer => (typeof document === 'string' ? Buffer.from(document, 'utf8') : Buffer.from(document));

/**
 * Seals documents: a compact JWS (RS256, header `x5c` = [signing certificate]) over the
 * document bytes, then a compact JWE (RSA-OAEP-256 + A256GCM, header `kid` = receiver
 * HER-id, `cty` JOSE) of the JWS string to each receiver. The Sealer does not judge
 * certificates: validate them first (CertificateValidator). Parsed keys are cached
 * (JoseKeyCache); the JOSE work is node:crypto (envelope.jose.ts).
 */
export class Sealer {
  constructor(private readonly keys: JoseKeyCache = new JoseKeyCache()) {}

  /** The compact JWS of `document` (UTF-8 when a string) by `signer`. */
  async sign(document: string | Uint8Array, signer: SealSigner): Promise<string> {
    return signCompactRs256(toBuffer(document), this.keys.get(signer.signingKeyPem), { x5c: [pemToX5c(signer.signingCertPem)] });
  }

  /** The compact JWE of a compact JWS for one recipient. */
  async encrypt(jws: string, recipient: SealRecipient): Promise<string> {
    return encryptCompactRsaOaep256A256Gcm(Buffer.from(jws, 'utf8'), this.keys.get(recipient.encryptionCertPem), { kid: recipient.herId, cty: 'JOSE' });
  }

  /** Signs once and encrypts to one recipient. */
  async seal(document: string | Uint8Array, signer: SealSigner, recipient: SealRecipient): Promise<string> {
    return this.encrypt(await this.sign(document, signer), recipient);
  }

  /** Signs once and encrypts the same JWS to every recipient, in order. */
  async sealForEach(document: string | Uint8Array, signer: SealSigner, recipients: readonly SealRecipient[]): Promise<SealedEnvelope[]> {
    const jws = await this.sign(document, signer);
    return Promise.all(recipients.map(async (r) => ({ receiverHerId: r.herId, jwe: await this.encrypt(jws, r) })));
  }
}
