import type { AppRecError, AppRecRole, AppRecStatus, Forsendelsesstatus, MessageType } from '../codes/index.js';
import type { XmlElement } from './xml-tree.js';

/** Simple coded value `V` + `DN` (kith:CS). */
export interface Cs<V extends string = string> {
  readonly v?: V;
  readonly dn?: string;
}

/** Coded value with code system `S` and original text `OT` (kith:CV). */
export interface Cv<V extends string = string> extends Cs<V> {
  readonly s?: string;
  readonly ot?: string;
}

/** `Ident`: an identifier and its type (HER, ENH, FNR, HPR …). */
export interface Ident {
  readonly id: string;
  readonly typeId: Cv;
}

export interface Address {
  readonly type?: Cs;
  readonly streetAdr?: string;
  readonly postalCode?: string;
  readonly city?: string;
  readonly postbox?: string;
  readonly county?: Cs;
  readonly country?: Cs;
}

export interface TeleCom {
  readonly typeTelecom?: Cs;
  /** `TeleAddress/@V`, e.g. `tel:73555555`. */
  readonly teleAddress?: string;
}

/** Person-shaped parts shared by Patient and HealthcareProfessional. */
interface PersonParts {
  readonly familyName?: string;
  readonly middleName?: string;
  readonly givenName?: string;
  readonly dateOfBirth?: string;
  readonly sex?: Cs;
  readonly nationality?: Cs;
  readonly idents: readonly Ident[];
  readonly address?: Address;
  readonly teleCom: readonly TeleCom[];
}

export interface HealthcareProfessional extends PersonParts {
  readonly typeHealthcareProfessional?: Cs;
  readonly roleToPatient?: Cv;
}

export type Patient = PersonParts;

/**
 * MsgHead `Organisation`: the virksomhet, optionally with a nested organisation (the
 * kommunikasjonspart / service, with its own HER-id) or a healthcare professional (DOMAIN.md §4).
 */
export interface Organisation {
  readonly name: string;
  readonly typeOrganisation?: Cv;
  readonly idents: readonly Ident[];
  readonly address?: Address;
  readonly teleCom: readonly TeleCom[];
  readonly organisation?: Organisation;
  readonly healthcareProfessional?: HealthcareProfessional;
}

/** Sender or Receiver of a MsgHead. */
export interface Party {
  readonly comMethod?: Cs;
  readonly organisation: Organisation;
}

/** Copy receiver (`OtherReceiver`, RoleReceiver kodeverk 8112, e.g. COP). */
export interface OtherReceiver {
  readonly comMethod?: Cs;
  readonly roleReceiver: Cs;
  readonly organisation?: Organisation;
  readonly healthcareProfessional?: HealthcareProfessional;
}

export interface ConversationRef {
  /** MsgId of the previous message in the dialog. */
  readonly refToParent: string;
  /** MsgId of the first message of the dialog. */
  readonly refToConversation: string;
}

/** MsgHead/MsgInfo (DOMAIN.md §4). */
export interface MsgInfo {
  readonly type: Cs<MessageType | string>;
  readonly migVersion: string;
  readonly genDate: string;
  readonly msgId: string;
  readonly processingStatus?: Cs;
  readonly requestedPriority?: Cs;
  readonly ack?: Cs;
  readonly conversationRef?: ConversationRef;
  readonly sender: Party;
  readonly receiver: Party;
  readonly otherReceivers: readonly OtherReceiver[];
  readonly patient?: Patient;
}

/** One hendelse (`TidsfestetHendelse`) in a PLO payload. */
export interface TidsfestetHendelse {
  /** Hendelsekode, kodeverk 9121. */
  readonly hendelsekode?: Cv;
  readonly beskrivelse?: string;
  /** `TidspunktForHendelse/@V` (date or dateTime). */
  readonly tidspunkt?: string;
  readonly anslag?: boolean;
}

/** Which PLO schema (payload root) a payload is. */
export type PloSchema =
  | 'Pasientlogistikk'
  | 'Innleggelsesrapport'
  | 'HelseopplysningerVedSoknad'
  | 'TverrfagligEpikrise'
  | 'Konsultasjon'
  | 'OverforingMedisinskeOpplysninger'
  | 'OrienteringOmTjenestetilbud';

/**
 * A PLO payload (v1.6 namespace `…/2012-04-01`, v1.5 `…/2009-06-30`). The typed fields are the
 * part the hub reasons about; the whole clinical body is kept as the XML tree `body`, so a
 * parsed message is rebuilt without loss.
 */
export interface PloPayload {
  readonly kind: 'plo';
  readonly version: '1.5' | '1.6';
  readonly schema: PloSchema;
  /** For Pasientlogistikk: the chosen sub-message (`MeldingInnlagtPasient`, …). */
  readonly logistikk?: string;
  readonly forsendelsesstatus: Forsendelsesstatus | string;
  readonly svarPaaForesporsel?: boolean;
  /** Kodeverk 9140 (Helseopplysninger): 1 varsel om innlagt pasient, 2 oppdaterte opplysninger. */
  readonly typeInnhold?: Cv;
  /** Hendelser of a Pasientlogistikk sub-message. */
  readonly hendelser: readonly TidsfestetHendelse[];
  /** `UtskrevetTil/UtTil` (kodeverk 8408) of a LOG_UTSKREVET. */
  readonly utskrevetTil?: Cv;
  readonly body: XmlElement;
}

export interface DialogNotat {
  /** Kodeverk 8117 for DIALOG_AVVIK, 9069/7322 … otherwise. */
  readonly temaKodet: Cv;
  readonly tema?: string;
  readonly tekstNotatInnhold?: string;
}

export interface DialogForesporsel {
  /** Kodeverk 9152/9153/9154. */
  readonly typeForesp: Cv;
  readonly sporsmal?: string;
}

/** Dialogmelding v1.0 (`dialog/2006-10-11`) or v1.1 (`dialog/2013-01-23`). */
export interface DialogPayload {
  readonly kind: 'dialog';
  readonly version: '1.0' | '1.1';
  readonly notater: readonly DialogNotat[];
  readonly foresporsler: readonly DialogForesporsel[];
  readonly body: XmlElement;
}

/** Any other content (attachments, Base64Container, unknown schemas): kept as XML. */
export interface OtherPayload {
  readonly kind: 'other';
  readonly namespace: string;
  readonly root: string;
  readonly body: XmlElement;
}

export type Payload = PloPayload | DialogPayload | OtherPayload;

/** MsgHead `Document` with its `RefDoc`. */
export interface MsgDocument {
  readonly documentConnection?: Cs;
  readonly contentType?: Cv;
  readonly contentDescription?: string;
  readonly contentCategory?: Cv;
  readonly consent?: Cv;
  readonly annotation?: string;
  readonly refDoc: {
    readonly issueDate?: string;
    readonly msgType: Cs;
    readonly id?: string;
    readonly mimeType?: string;
    readonly description?: string;
    /** Absent for a `FileReference` document (not modelled). */
    readonly content?: Payload;
  };
}

/** A PLO / Dialogmelding message: MsgHead v1.2 with its documents. */
export interface HubMessage {
  readonly msgInfo: MsgInfo;
  readonly documents: readonly MsgDocument[];
}

/** Convenience: the first document's payload. */
export const mainPayload = (m: HubMessage): Payload | undefined => m.documents[0]?.refDoc.content;

// ---------------------------------------------------------------------------------------------
// AppRec

/** A party in an AppRec: `HCP/Inst` with optional `Dept` and `HCPerson` (or `HCProf`). */
export interface AppRecHcpEntity {
  readonly name?: string;
  readonly id?: string;
  readonly typeId?: Cs;
  readonly additionalIds: readonly { readonly id: string; readonly type: Cs }[];
}

export interface AppRecInst extends AppRecEntityBase {
  readonly depts: readonly AppRecHcpEntity[];
  readonly hcPersons: readonly AppRecHcpEntity[];
}
type AppRecEntityBase = AppRecHcpEntity;

export interface AppRecParty {
  readonly role?: Cs<AppRecRole | string>;
  /** Exactly one of inst / hcProf (schema choice). */
  readonly inst?: AppRecInst;
  readonly hcProf?: AppRecHcpEntity & { readonly type?: Cs };
}

/** AppRec v1.1 (`apprec/2012-02-15`) or v1.0 (`apprec/2004-11-21`) (DOMAIN.md §5). */
export interface AppRec {
  readonly version: '1.0' | '1.1';
  readonly migVersion: string;
  readonly softwareName?: string;
  readonly softwareVersion?: string;
  readonly genDate: string;
  readonly id: string;
  readonly sender: AppRecParty;
  readonly receiver: AppRecParty;
  readonly status: Cs<AppRecStatus | string>;
  readonly errors: readonly Cv<AppRecError | string>[];
  readonly originalMsgId: {
    readonly msgType: Cs<MessageType | string>;
    /** The original message's GenDate. */
    readonly issueDate: string;
    /** The original message's MsgId. */
    readonly id: string;
  };
}
