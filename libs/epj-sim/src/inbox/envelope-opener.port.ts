import type { InboxDelivery } from '@hub/contracts';

/** Kodeverk 8221 signature/certificate codes an opener can report. */
export type SignatureErrorCode = 'S01' | 'S02' | 'S03' | 'S99';

/** The result of opening an inbox envelope. */
export type OpenedEnvelope =
  | { readonly ok: true; readonly document: string }
  | {
      readonly ok: false;
      /** Kodeverk 8221: S01 signature, S02 invalid certificate, S03 revoked, S99 other. */
      readonly code8221: SignatureErrorCode;
      /** The seal lib's stable code, e.g. CRYPTO.SIGNATURE_INVALID. */
      readonly errorCode: string;
      readonly reason: string;
      /**
       * The signed document read without trusting it (decrypted, signature failed), so the
       * negative AppRec can name the sender and the original message; absent when the
       * envelope could not even be decrypted.
       */
      readonly unverifiedDocument?: string;
    };

/** Decrypts an inbox envelope with the receiving party's key and verifies the sender's signature and certificate. */
export interface EnvelopeOpener {
  open(delivery: InboxDelivery): Promise<OpenedEnvelope>;
}
