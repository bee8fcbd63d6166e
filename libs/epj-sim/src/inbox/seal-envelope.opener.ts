import { readFile } from 'node:fs/promises';
import path from 'node:path';
import jose from 'node-jose';
import type { InboxDelivery } from '@hub/contracts';
import { HubError } from '@hub/errors';
import { parseDocument } from '@hub/plo';
import { CertificateValidator, CryptoErrorCodes, Opener, PartyKeyRing, PkiFiles, kodeverk8221For } from '@hub/seal';
import type { EnvelopeOpener, OpenedEnvelope, SignatureErrorCode } from './envelope-opener.port.js';

const S_CODES = new Set(['S01', 'S02', 'S03', 'S99']);

/**
 * The EPJ side of `@hub/seal`: decrypts with the receiving organisation's key from the PKI
 * directory (`PKI_DIR/<herId>/encryption.key.pem`), verifies the JWS (signature, certificate chains
 * to the CA in `PKI_DIR/ca.cert.pem`, valid now, signing usage) and that the signer's certificate
 * names the document's sender organisation. A refusal keeps the document, read without trusting
 * it, so the negative AppRec (S01/S02) can be addressed to the sender.
 */
export class SealEnvelopeOpener implements EnvelopeOpener {
  private constructor(
    private readonly opener: Opener,
    private readonly keys: PartyKeyRing,
  ) {}

  /** Reads the trust anchor from `<pkiDir>/ca.cert.pem`. */
  static async fromPkiDir(pkiDir: string): Promise<SealEnvelopeOpener> {
    let ca: string;
    try {
      ca = await readFile(path.join(pkiDir, PkiFiles.caCert), 'utf8');
    } catch (err) {
      throw new HubError('EPJ.NO_TRUST_ANCHOR', `no CA certificate in ${pkiDir} (run npm run setup)`, { retriable: true, cause: err });
    }
    return new SealEnvelopeOpener(new Opener({ validator: new CertificateValidator({ trustAnchors: [ca] }) }), new PartyKeyRing(pkiDir));
  }

  async open(delivery: InboxDelivery): Promise<OpenedEnvelope> {
    const herId = String(delivery.receiverHerId);
    let encryptionKeyPem: string;
    try {
      encryptionKeyPem = (await this.keys.get(herId)).encryptionKeyPem;
    } catch (err) {
      // Our own key missing is an operations problem, not the sender's: wait for it (retried).
      throw new HubError(CryptoErrorCodes.NoPrivateKey, `no private key for ${herId}: ${(err as Error).message}`, { retriable: true, cause: err });
    }
    try {
      const opened = await this.opener.open(delivery.jwe, { herId, encryptionKeyPem });
      const sender = senderOrganisationHerId(opened.text);
      if (sender !== undefined && sender !== opened.signerHerId) {
        return refusal(CryptoErrorCodes.CertWrongParty, `signed by HER-id ${opened.signerHerId}, document sender is ${sender}`, opened.text);
      }
      return { ok: true, document: opened.text };
    } catch (err) {
      const code = err instanceof HubError ? err.code : 'CRYPTO.UNKNOWN';
      const reason = err instanceof Error ? err.message : String(err);
      if (code === CryptoErrorCodes.DecryptFailed) return refusal(code, reason, undefined);
      return refusal(code, reason, await unverifiedDocument(delivery.jwe, encryptionKeyPem));
    }
  }
}

function refusal(errorCode: string, reason: string, unverifiedDocument: string | undefined): OpenedEnvelope {
  const mapped = kodeverk8221For(errorCode);
  const code8221 = (mapped && S_CODES.has(mapped) ? mapped : 'S99') as SignatureErrorCode;
  return { ok: false, code8221, errorCode, reason, ...(unverifiedDocument !== undefined ? { unverifiedDocument } : {}) };
}

/** Decrypts and reads the JWS payload without verifying it (only to address the negative AppRec). */
async function unverifiedDocument(jwe: string, keyPem: string): Promise<string | undefined> {
  try {
    const key = await jose.JWK.asKey(keyPem, 'pem');
    const jws = (await jose.JWE.createDecrypt(key).decrypt(jwe)).plaintext.toString('utf8');
    const payload = jws.split('.')[1];
    return payload === undefined ? undefined : Buffer.from(payload, 'base64url').toString('utf8');
  } catch {
    return undefined;
  }
}

/** The organisation HER-id of the document's sender (MsgHead Sender, or AppRec Sender/HCP/Inst). */
function senderOrganisationHerId(text: string): string | undefined {
  try {
    const doc = parseDocument(text);
    if (doc.kind === 'AppRec') return doc.appRec.sender.inst?.id?.trim();
    return doc.message.msgInfo.sender.organisation.idents.find((i) => i.typeId.v?.trim() === 'HER')?.id.trim();
  } catch {
    return undefined;
  }
}
