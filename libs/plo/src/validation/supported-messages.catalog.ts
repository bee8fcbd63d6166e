import type { MessageKind } from './validation-error.js';

/** Namespace of MsgHead v1.2 (HIS 80601:2006). */
export const MSGHEAD_NS = 'http://www.kith.no/xmlstds/msghead/2006-05-24';

/** A top-level document type the validator accepts. */
export interface SupportedEnvelope {
  kind: MessageKind;
  namespace: string;
  root: string;
  /** Set for documents that are their own payload (AppRec). */
  version?: string;
}

/** A document the validator accepts in `MsgHead/Document/RefDoc/Content`. */
export interface SupportedPayload {
  namespace: string;
  root: string;
  version: string;
}

/** MsgHead, and AppRec 1.1 / 1.0 (a standalone document, not wrapped in MsgHead). */
export const SUPPORTED_ENVELOPES: readonly SupportedEnvelope[] = Object.freeze([
  { kind: 'MsgHead', namespace: MSGHEAD_NS, root: 'MsgHead' },
  { kind: 'AppRec', namespace: 'http://www.kith.no/xmlstds/apprec/2012-02-15', root: 'AppRec', version: 'apprec-1.1' },
  { kind: 'AppRec', namespace: 'http://www.kith.no/xmlstds/apprec/2004-11-21', root: 'AppRec', version: 'apprec-1.0' },
]);

const PO = 'http://www.kith.no/xmlstds/po';

/** PLO v1.6 and v1.5 (received only) and Dialogmelding 1.0 / 1.1, as declared by the XSDs in libs/plo/xsd. */
export const SUPPORTED_PAYLOADS: readonly SupportedPayload[] = Object.freeze([
  { namespace: `${PO}/Pasientlogistikk/2012-04-01`, root: 'Pasientlogistikk', version: 'plo-1.6' },
  { namespace: `${PO}/Innleggelsesrapport/2012-04-01`, root: 'Innleggelsesrapport', version: 'plo-1.6' },
  { namespace: `${PO}/HelseopplysningerVedSoknad/2012-04-01`, root: 'HelseopplysningerVedSoknad', version: 'plo-1.6' },
  { namespace: `${PO}/TverrfagligEpikrise/2012-04-01`, root: 'TverrfagligEpikrise', version: 'plo-1.6' },
  { namespace: `${PO}/HelseopplysningerTilLege/2012-04-01`, root: 'Konsultasjon', version: 'plo-1.6' },
  { namespace: `${PO}/MedisinskeOpplysninger/2012-04-01`, root: 'OverforingMedisinskeOpplysninger', version: 'plo-1.6' },
  { namespace: `${PO}/OrienteringOmTjenestetilbud/2012-04-01`, root: 'OrienteringOmTjenestetilbud', version: 'plo-1.6' },
  { namespace: `${PO}/Pasientlogistikk/2009-06-30`, root: 'Pasientlogistikk', version: 'plo-1.5' },
  { namespace: `${PO}/Innleggelsesrapport/2009-06-30`, root: 'Innleggelsesrapport', version: 'plo-1.5' },
  { namespace: `${PO}/HelseopplysningerVedSoknad/2009-06-30`, root: 'HelseopplysningerVedSoknad', version: 'plo-1.5' },
  { namespace: `${PO}/TverrfagligEpikrise/2009-06-30`, root: 'TverrfagligEpikrise', version: 'plo-1.5' },
  { namespace: `${PO}/Konsultasjon/2009-06-30`, root: 'Konsultasjon', version: 'plo-1.5' },
  { namespace: `${PO}/OverforingMedisinskeOpplysninger/2009-06-30`, root: 'OverforingMedisinskeOpplysninger', version: 'plo-1.5' },
  { namespace: `${PO}/OrienteringOmTjenestetilbud/2009-06-30`, root: 'OrienteringOmTjenestetilbud', version: 'plo-1.5' },
  { namespace: `${PO}/MeldingFravar/2009-06-30`, root: 'MeldingFravar', version: 'plo-1.5' },
  { namespace: 'http://www.kith.no/xmlstds/dialog/2006-10-11', root: 'Dialogmelding', version: 'dialog-1.0' },
  { namespace: 'http://www.kith.no/xmlstds/dialog/2013-01-23', root: 'Dialogmelding', version: 'dialog-1.1' },
]);

/** The envelope with this namespace and root, if supported. */
export function findEnvelope(namespace: string, root: string): SupportedEnvelope | undefined {
  return SUPPORTED_ENVELOPES.find((e) => e.namespace === namespace && e.root === root);
}

/** The payload with this namespace and root, if supported. */
export function findPayload(namespace: string, root: string): SupportedPayload | undefined {
  return SUPPORTED_PAYLOADS.find((p) => p.namespace === namespace && p.root === root);
}
