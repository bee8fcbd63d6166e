/**
 * Kodeverk (code lists) used by the PLO chain, as typed values.
 *
 * Each list is a const object `code → Norwegian display text (DN)` plus a union type of its codes.
 * Only codes that DOMAIN.md (../shared/standards/DOMAIN.md), the official samples or the XSDs
 * support are listed; Volven/FinnKode may hold newer codes (DOMAIN.md §10).
 */

/** OID of a kodeverk: `2.16.578.1.12.4.1.1.<nr>` (DOMAIN.md §4, PLO §4.4). */
export const kodeverkOid = (nr: number): string => `2.16.578.1.12.4.1.1.${nr}`;

/** A coded value as carried in the XML (`V`, `DN`, optional `S` and `OT`). */
export interface CodedValue<V extends string = string> {
  readonly v: V;
  readonly dn?: string;
  readonly s?: string;
  readonly ot?: string;
}

/**
 * Kodeverk 8279 – message types (MsgInfo/Type, equal to the ebXML Action).
 * Source: DOMAIN.md §2 table and the DN texts of the official samples (samples/SOURCES.md).
 */
export const MessageType = {
  LOG_INNLAGT: 'Melding om innlagt pasient',
  INNLEGGELSESRAPPORT: 'Innleggelsesrapport',
  HELSEOPPL_SOKNAD: 'Helseopplysninger',
  LOG_UTSKRIVNINGSKLAR: 'Melding om utskrivningsklar pasient',
  LOG_AVMELDING: 'Avmelding av utskrivningsklar pasient',
  UTSKRIVNINGSRAPPORT: 'Utskrivningsrapport',
  LOG_UTSKREVET: 'Melding om utskrevet pasient',
  LOG_DOD: 'Orientering om dødsfall',
  HELSEOPPLYSNINGER_LEGE: 'Helseopplysninger til lege',
  MEDISINSKE_OPPLYSNINGER: 'Medisinske opplysninger',
  ORIENTERING_TJENESTETILBUD: 'Orientering om tjenestetilbud',
  DIALOG_FORESPORSEL: 'Forespørsel',
  DIALOG_SVAR: 'Svar på forespørsel',
  DIALOG_AVVIK: 'Tilbakemelding om feil i mottatt melding',
  DIALOG_HELSEFAGLIG: 'Helsefaglig dialog',
  APPREC: 'Applikasjonskvittering',
} as const;
export type MessageType = keyof typeof MessageType;
export const MESSAGE_TYPE_OID = kodeverkOid(8279);

/** The messages of the admission → discharge chain (DOMAIN.md §2), in flow order. */
export const CHAIN_MESSAGE_TYPES = [
  'LOG_INNLAGT',
  'INNLEGGELSESRAPPORT',
  'HELSEOPPL_SOKNAD',
  'LOG_UTSKRIVNINGSKLAR',
  'LOG_AVMELDING',
  'UTSKRIVNINGSRAPPORT',
  'LOG_UTSKREVET',
] as const satisfies readonly MessageType[];
export type ChainMessageType = (typeof CHAIN_MESSAGE_TYPES)[number];

/** Kodeverk 8258 – AppRec status (DOMAIN.md §5, AR §6.2). Status 3 is for Helfo claims only. */
export const AppRecStatus = {
  '1': 'OK',
  '2': 'Avvist',
  '3': 'OK, feil i delmelding',
} as const;
export type AppRecStatus = keyof typeof AppRecStatus;
export const APPREC_STATUS_OID = kodeverkOid(8258);

/** Kodeverk 8221 – AppRec error codes (DOMAIN.md §5, AR §6.3). */
export const AppRecError = {
  T01: 'Ikke XML / ikke velformet / ikke mulig å lese',
  T02: 'XML validerer ikke',
  T10: 'Støtter ikke meldingsformatet',
  T99: 'Annen feil på format',
  S01: 'Feil på signatur',
  S02: 'Ugyldig sertifikat',
  S03: 'Tilbaketrukket sertifikat',
  S99: 'Annen feil på signatur eller sertifikat',
  E10: 'Ugyldig meldingsidentifikator',
  E20: 'Lege finnes ikke',
  E21: 'Mottaker finnes ikke',
  E30: 'Pasientens fødselsnummer finnes ikke',
  E31: 'Pasientens fødselsnummer er feil',
  E32: 'Pasientens navn mangler',
  E35: 'Pasienten finnes ikke i mottakersystemet',
  E36: 'Pasientopplysninger er mangelfulle',
  E53: 'Fødselsnummer/D-nummer finnes ikke i Folkeregisteret',
  E54: 'Fødselsnummer er ikke registrert i mottakersystemet',
  X99: 'Annen feil',
} as const;
export type AppRecError = keyof typeof AppRecError;
export const APPREC_ERROR_OID = kodeverkOid(8221);
/** The format errors a validator reports (subset of 8221). */
export type FormatErrorCode = Extract<AppRecError, 'T01' | 'T02' | 'T10' | 'T99'>;

/**
 * Kodeverk 7309 – Forsendelsesstatus (DOMAIN.md §3, END §2–3). `A` Tillegg exists in PLO §5.2.2
 * but END says not to use it, so it is not listed.
 */
export const Forsendelsesstatus = {
  N: 'Ny',
  M: 'Endring',
  C: 'Kansellering',
} as const;
export type Forsendelsesstatus = keyof typeof Forsendelsesstatus;
export const FORSENDELSESSTATUS_OID = kodeverkOid(7309);

/**
 * Kodeverk 8116 – person identifier types (DOMAIN.md §4, HM kodeverk 8116; DNs from the samples).
 * PNR is named in DOMAIN.md without a display text, so it is not listed. The 8116 code for
 * felles hjelpenummer is unverified (DOMAIN.md §4 [U]); FH numbers carry OID 2.16.578.1.12.4.1.4.3
 * (DOMAIN.md §8) and are classified by {@link classifyPersonId} whatever TypeId says.
 */
export const PersonIdType = {
  FNR: 'Fødselsnummer',
  DNR: 'D-nummer',
  HNR: 'H-nummer',
  HPR: 'HPR-nummer',
  HER: 'HER-id',
} as const;
export type PersonIdType = keyof typeof PersonIdType;
export const PERSON_ID_TYPE_OID = kodeverkOid(8116);
/** OID of felles hjelpenummer (DOMAIN.md §8, ID §3). */
export const FELLES_HJELPENUMMER_OID = '2.16.578.1.12.4.1.4.3';

/**
 * Kodeverk 8117 – Tema for "Tilbakemelding om feil i mottatt melding" (DIALOG_AVVIK).
 * Only code 1 is attested (DOMAIN.md §2, sample dialogmelding-v1.0/Dialogmelding_avvik_v1-0.xml).
 */
export const AvvikTema = {
  '1': 'Feil adressat',
} as const;
export type AvvikTema = keyof typeof AvvikTema;
export const AVVIK_TEMA_OID = kodeverkOid(8117);

/**
 * Kodeverk 9121 – Hendelsekode in Pasientlogistikk (DOMAIN.md §2, PL §3.2–3.6; texts from the
 * samples).
 */
export const Hendelsekode = {
  '1': 'Pasient innlagt',
  '2': 'Pasient utskrevet',
  '3': 'Pasient utskrivningsklar',
  '4': 'Avmelding av utskrivningsklar pasient',
  '13': 'Pasienten er død',
} as const;
export type Hendelsekode = keyof typeof Hendelsekode;
export const HENDELSEKODE_OID = kodeverkOid(9121);

/** Kodeverk 9051 type for HER-ids in `Ident/TypeId` (DOMAIN.md §4, TA-2 AD2.5–AD2.8). */
export const HER_ID_TYPE_OID = kodeverkOid(9051);

/** AppRec roles (AR §4.3; samples apprec-v1.1): sender role PRIM/COP, receiver role AVS. */
export const AppRecRole = {
  PRIM: 'Primærmottaker',
  COP: 'Kopimottaker',
  AVS: 'Avsender',
} as const;
export type AppRecRole = keyof typeof AppRecRole;

/** Display text of a code, or undefined if the code is not in the list. */
export function displayText<L extends Record<string, string>>(list: L, code: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(list, code) ? list[code as keyof L] : undefined;
}

/** Type guard: is `code` one of the codes of `list`. */
export function isCode<L extends Record<string, string>>(list: L, code: string | undefined): code is Extract<keyof L, string> {
  return code !== undefined && Object.prototype.hasOwnProperty.call(list, code);
}
