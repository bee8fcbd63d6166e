import { maskPersonIds } from '@hub/errors';
import { AppRecError } from '@hub/plo';
import { ALERT_POLICIES, AlertConditions, HUB_OPERATIONS, type AlertCondition, type AlertSeverity } from './alert.conditions.js';
import { AlertKeys } from './alert-dedupe.keys.js';
import type { CertificateExpiryFinding } from './certificate-expiry.policy.js';

/** A party as an alert names it: name and HER-id, nothing else. */
export interface PartyRef {
  herId: number;
  name: string;
}

/** The message an alert is about. Never holds patient data: the alert says where to look (MsgId). */
export interface MessageRef {
  msgId: string;
  conversationId?: string | null;
  /** Kodeverk 8279 type, e.g. INNLEGGELSESRAPPORT. */
  msgType?: string | null;
  sender?: PartyRef | null;
  receiver?: PartyRef | null;
  /** Original GenDate (the 96-hour rule counts from it). */
  genDate?: Date | null;
}

/** One error of a negative AppRec or a hub refusal: the 8221 code and the OT text. */
export interface ErrorRef {
  code: string;
  /** The `OT` text (or the hub's explanation); shown to the user as AR §3.3.4 requires. */
  text?: string | null;
}

/** What to store and send; the store adds ids and times. */
export interface AlertDraft {
  dedupeKey: string;
  condition: AlertCondition;
  /** Whose meldingsansvarlig is told (organisation HER-id), or HUB_OPERATIONS. */
  partyHerId: number;
  msgId: string | null;
  severity: AlertSeverity;
  subject: string;
  body: string;
}

export type DowntimeKindName = 'PLANNED' | 'UNPLANNED' | 'SUSPECTED';

/** A downtime as notices describe it. */
export interface DowntimeRef {
  id: bigint | number | string;
  party: PartyRef;
  kind: DowntimeKindName;
  reason: string;
  startsAt: Date;
  expectedEnd?: Date | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SUBJECT_MAX = 300;
const OT_MAX = 1000;

const FOOTER = [
  '',
  '--',
  'Samhandling hub (Sykehuset Telemark og Telemark-kommunene).',
  'Varselet inneholder aldri pasientopplysninger: finn meldingen i fagsystemet eller i hubens sporing med MsgId.',
].join('\n');

const MANUAL_HANDLING =
  'Meldingen må følges opp manuelt etter Retningslinje 7: kontakt mottaker (meldingsansvarlig eller avtalt kontaktpunkt), ' +
  'avklar om meldingen er mottatt, og send opplysningene på annen forsvarlig måte om nødvendig ' +
  '(hubens manuelle reserve: GET /v1/messages/{msgId}/document.pdf).';

/** Name (HER-id), or just the HER-id. */
function who(p: PartyRef | null | undefined, fallbackHerId?: number | string): string {
  if (p) return `${p.name} (HER-id ${p.herId})`;
  return fallbackHerId === undefined ? 'ukjent' : `HER-id ${fallbackHerId}`;
}

function iso(d: Date | null | undefined): string {
  return d ? d.toISOString() : 'ikke oppgitt';
}

/** Every text that leaves the hub passes here: person numbers masked, length capped. */
export function safeText(text: string, max = 20_000): string {
  const masked = maskPersonIds(text);
  return masked.length > max ? `${masked.slice(0, max - 1)}…` : masked;
}

function messageLines(m: MessageRef): string[] {
  return [
    `Meldingstype: ${m.msgType ?? 'ukjent'}`,
    `MsgId: ${m.msgId}`,
    `Samtale (ConversationRef): ${m.conversationId ?? 'ukjent'}`,
    `Avsender: ${who(m.sender)}`,
    `Mottaker: ${who(m.receiver)}`,
    ...(m.genDate ? [`Sendt (GenDate): ${iso(m.genDate)}`] : []),
  ];
}

/** `E21 Mottaker finnes ikke — OT: <text>` per error; the code's meaning from kodeverk 8221. */
export function errorLines(errors: readonly ErrorRef[]): string[] {
  if (errors.length === 0) return ['(ingen feilkoder oppgitt)'];
  return errors.map((e) => {
    const meaning = (AppRecError as Record<string, string>)[e.code];
    const ot = e.text ? ` — OT: ${e.text.slice(0, OT_MAX)}` : '';
    return `- ${e.code}${meaning ? ` ${meaning}` : ''}${ot}`;
  });
}

function draft(
  condition: AlertCondition,
  dedupeKey: string,
  partyHerId: number,
  msgId: string | null,
  subject: string,
  lines: string[],
): AlertDraft {
  return {
    dedupeKey,
    condition,
    partyHerId,
    msgId: msgId && UUID.test(msgId) ? msgId : null,
    severity: ALERT_POLICIES[condition].severity,
    subject: safeText(subject, SUBJECT_MAX),
    body: safeText([...lines, FOOTER].join('\n')),
  };
}

/**
 * The notices the hub sends, as drafts. Texts are Norwegian (the readers are the
 * parties' meldingsansvarlige) and hold message facts only: type, MsgId, conversation,
 * parties, codes. Never a patient's name or person number: everything passes
 * safeText, and no input carries patient fields in the first place.
 */
export const AlertDrafts = {
  /** Validation (stage `validation`) or crypto (stage `crypto`) refused the sender's message. */
  messageNotAccepted(args: { stage: 'validation' | 'crypto'; message: MessageRef; errors: readonly ErrorRef[]; to: number }): AlertDraft {
    const { message: m } = args;
    const condition = args.stage === 'validation' ? AlertConditions.MessageRejected : AlertConditions.MessageRefused;
    const key = args.stage === 'validation' ? AlertKeys.messageRejected(m.msgId, args.to) : AlertKeys.messageRefused(m.msgId, args.to);
    const codes = args.errors.map((e) => e.code).join(', ');
    const why =
      args.stage === 'validation'
        ? 'Huben avviste meldingen ved validering. Den er IKKE sendt til mottaker.'
        : 'Huben kunne ikke signere/kryptere meldingen (sertifikatproblem). Den er IKKE sendt til mottaker.';
    return draft(condition, key, args.to, m.msgId, `Melding avvist av huben (${codes || 'ukjent feil'}): ${m.msgType ?? 'melding'} ${m.msgId}`, [
      why,
      '',
      ...messageLines(m),
      '',
      'Feil (kodeverk 8221 / hubens kode):',
      ...errorLines(args.errors),
      '',
      'Hva gjør jeg: rett feilen i fagsystemet (eller sertifikatet) og send meldingen på nytt. ' + MANUAL_HANDLING,
    ]);
  },

  /** Dispatch gave up delivering to one receiver. */
  dispatchFailed(args: { message: MessageRef; receiverHerId: number; errors: readonly ErrorRef[]; to: number }): AlertDraft {
    const { message: m } = args;
    return draft(
      AlertConditions.DispatchFailed,
      AlertKeys.dispatchFailed(m.msgId, args.receiverHerId),
      args.to,
      m.msgId,
      `Melding kunne ikke leveres til ${who(m.receiver, args.receiverHerId)}: ${m.msgType ?? 'melding'} ${m.msgId}`,
      [
        'Huben klarte ikke å levere meldingen til mottakeren.',
        '',
        ...messageLines(m),
        '',
        'Feil:',
        ...errorLines(args.errors),
        '',
        'Hva gjør jeg: ' + MANUAL_HANDLING,
      ],
    );
  },

  /**
   * A receiver answered the party's message with a DIALOG_AVVIK (Tilbakemelding om feil i mottatt
   * melding, kodeverk 8117): the message was not taken in and gets no AppRec. `avvik` is the
   * DIALOG_AVVIK (its sender is the receiver that reports), `originalMsgId` the reported message.
   */
  messageMisdirected(args: { avvik: MessageRef; originalMsgId: string | null; to: number }): AlertDraft {
    const { avvik: a } = args;
    const original = args.originalMsgId ?? 'ukjent (se ConversationRef i tilbakemeldingen)';
    return draft(
      AlertConditions.MessageMisdirected,
      AlertKeys.messageMisdirected(a.msgId, args.to),
      args.to,
      args.originalMsgId ?? a.msgId,
      `Feil adressat: ${who(a.sender)} har ikke tatt inn melding ${original}`,
      [
        `${who(a.sender)} melder «Tilbakemelding om feil i mottatt melding» (DIALOG_AVVIK, kodeverk 8117, f.eks. «Feil adressat»).`,
        'Meldingen er IKKE lagt inn i mottakers journal og får ingen applikasjonskvittering.',
        '',
        `Meldingen det gjelder (MsgId): ${original}`,
        `Tilbakemeldingen (DIALOG_AVVIK) MsgId: ${a.msgId}`,
        `Samtale (ConversationRef): ${a.conversationId ?? 'ukjent'}`,
        ...(a.genDate ? [`Sendt (GenDate): ${iso(a.genDate)}`] : []),
        '',
        'Hva gjør jeg: les tilbakemeldingen i fagsystemet, finn riktig mottaker og send meldingen på nytt dit. ' + MANUAL_HANDLING,
      ],
    );
  },

  /** A negative AppRec (status 2) came back. */
  receiptRejected(args: { message: MessageRef; receiverHerId: number; errors: readonly ErrorRef[]; to: number }): AlertDraft {
    const { message: m } = args;
    const codes = args.errors.map((e) => e.code).join(', ');
    return draft(
      AlertConditions.ReceiptRejected,
      AlertKeys.receiptRejected(m.msgId, args.receiverHerId),
      args.to,
      m.msgId,
      `Negativ applikasjonskvittering (${codes || 'uten kode'}) fra ${who(m.receiver, args.receiverHerId)}: ${m.msgType ?? 'melding'} ${m.msgId}`,
      [
        'Mottakers fagsystem har AVVIST meldingen (applikasjonskvittering status 2 «Avvist»). Meldingen er ikke tatt inn hos mottaker.',
        '',
        ...messageLines(m),
        '',
        'Feil fra mottaker (kodeverk 8221, med mottakers forklaring OT):',
        ...errorLines(args.errors),
        '',
        'Hva gjør jeg: les feilen over, rett den og send meldingen på nytt, eller kontakt mottaker. ' + MANUAL_HANDLING,
      ],
    );
  },

  /** Early warning: no AppRec yet. */
  receiptWarning(args: { message: MessageRef; receiverHerId: number; overdueAt?: Date | null; to: number }): AlertDraft {
    const { message: m } = args;
    return draft(
      AlertConditions.ReceiptWarning,
      AlertKeys.receiptWarning(m.msgId, args.receiverHerId),
      args.to,
      m.msgId,
      `Ingen applikasjonskvittering ennå fra ${who(m.receiver, args.receiverHerId)}: ${m.msgType ?? 'melding'} ${m.msgId}`,
      [
        'Mottaker har ennå ikke sendt applikasjonskvittering for meldingen. Dette er et tidlig varsel; huben følger med.',
        '',
        ...messageLines(m),
        `Regnes som ikke mottatt (96 timer etter GenDate): ${iso(args.overdueAt)}`,
        '',
        'Hva gjør jeg: ingenting ennå, med mindre saken haster for pasienten; da bør mottaker kontaktes. Du får et nytt varsel om kvitteringen uteblir, og beskjed når den kommer.',
      ],
    );
  },

  /** 96 hours without an AppRec: counts as negative (AR §3.3.4). */
  receiptOverdue(args: { message: MessageRef; receiverHerId: number; to: number }): AlertDraft {
    const { message: m } = args;
    return draft(
      AlertConditions.ReceiptOverdue,
      AlertKeys.receiptOverdue(m.msgId, args.receiverHerId),
      args.to,
      m.msgId,
      `Applikasjonskvittering uteblitt i 96 timer fra ${who(m.receiver, args.receiverHerId)}: ${m.msgType ?? 'melding'} ${m.msgId}`,
      [
        'Mottaker har ikke sendt applikasjonskvittering innen 96 timer etter meldingens GenDate. Etter standarden (HIS 80415 §3.3.4) skal dette behandles som en negativ kvittering.',
        '',
        ...messageLines(m),
        '',
        'Hva gjør jeg: ' + MANUAL_HANDLING + ' Kommer en positiv kvittering senere, får du beskjed om at saken er løst.',
      ],
    );
  },

  /** An AppRec that matches no message: told to the AppRec's sender and to hub operations. */
  receiptUnmatched(args: {
    apprecRef: string;
    originalMsgId?: string | null;
    apprecSender: PartyRef | null;
    apprecSenderHerId: number;
    errors: readonly ErrorRef[];
    to: number;
  }): AlertDraft {
    const toOps = args.to === HUB_OPERATIONS;
    return draft(
      AlertConditions.ReceiptUnmatched,
      AlertKeys.receiptUnmatched(args.apprecRef, args.apprecSenderHerId, args.to),
      args.to,
      args.originalMsgId ?? null,
      `Applikasjonskvittering uten kjent melding fra ${who(args.apprecSender, args.apprecSenderHerId)}`,
      [
        'Huben mottok en applikasjonskvittering som ikke svarer til noen melding huben har sendt. Den er registrert, ikke forkastet.',
        '',
        `Kvitteringens avsender: ${who(args.apprecSender, args.apprecSenderHerId)}`,
        `Kvitteringen gjelder MsgId (OriginalMsgId): ${args.originalMsgId ?? 'ikke oppgitt'}`,
        `Referanse i huben: ${args.apprecRef}`,
        ...(args.errors.length > 0 ? ['', 'Feil i kvitteringen:', ...errorLines(args.errors)] : []),
        '',
        toOps
          ? 'Hva gjør drift: sjekk om meldingen er sendt utenom huben, eller om OriginalMsgId er feil i mottakers system.'
          : 'Hva gjør jeg: kontroller i fagsystemet at kvitteringen er sendt for riktig melding (OriginalMsgId), og kontakt hubens drift ved tvil.',
      ],
    );
  },

  /** A certificate reached an expiry threshold. */
  certificateExpiring(args: { finding: CertificateExpiryFinding; party: PartyRef }): AlertDraft {
    const f = args.finding;
    const what = f.purpose === 'signing' ? 'signeringssertifikat' : 'krypteringssertifikat';
    const when = f.threshold === 0 ? 'er UTLØPT' : `utløper om ${f.daysLeft} dager`;
    return draft(
      AlertConditions.CertificateExpiring,
      AlertKeys.certificateExpiring(f.herId, f.purpose, f.fingerprint, f.threshold),
      args.party.herId,
      null,
      `Virksomhetssertifikat (${what}) for ${who(args.party)} ${when}`,
      [
        `${who(args.party)} sitt ${what} ${when} (gyldig til ${iso(f.notAfter)}).`,
        `Varselterskel: ${f.threshold === 0 ? 'utløpt' : `${f.threshold} dager`}`,
        `Fingeravtrykk (SHA-256): ${f.fingerprint}`,
        '',
        'Hva gjør jeg: bestill og ta i bruk nytt virksomhetssertifikat, og oppdater det i Adresseregisteret og i huben. ' +
          'Med utløpt sertifikat avviser huben meldingene (CRYPTO.CERT_EXPIRED) og ingenting leveres.',
      ],
    );
  },

  /** Notice to another party that `downtime.party` is down. */
  partyDown(args: { downtime: DowntimeRef; to: number }): AlertDraft {
    const d = args.downtime;
    const planned = d.kind === 'PLANNED' ? 'Planlagt nedetid' : 'Ikke planlagt nedetid';
    return draft(AlertConditions.PartyDown, AlertKeys.partyDown(d.id, args.to), args.to, null, `${planned}: ${who(d.party)}`, [
      `${planned} hos ${who(d.party)}.`,
      `Årsak: ${d.reason}`,
      `Fra: ${iso(d.startsAt)}`,
      `Forventet slutt: ${iso(d.expectedEnd)}`,
      `Referanse i huben: nedetid ${d.id}`,
      '',
      'Hva gjør jeg: meldinger til parten holdes av huben og leveres i rekkefølge når nedetiden er over; de går ikke tapt. ' +
        'Haster noe for en pasient, bruk avtalt manuell rutine (telefon / manuell dokumenthåndtering etter Retningslinje 7). ' +
        'Du får beskjed når parten er tilbake.',
    ]);
  },

  /** Silence detection: told to hub operations and to the silent party's meldingsansvarlig. */
  partySuspectedDown(args: { downtime: DowntimeRef; to: number; signal: string }): AlertDraft {
    const d = args.downtime;
    const toOps = args.to === HUB_OPERATIONS;
    return draft(
      AlertConditions.PartySuspectedDown,
      AlertKeys.partySuspectedDown(d.id, args.to),
      args.to,
      null,
      `Mulig driftsstans hos ${who(d.party)}: ${args.signal}`,
      [
        `Huben mistenker driftsstans hos ${who(d.party)}.`,
        `Tegn: ${args.signal}`,
        `Siden: ${iso(d.startsAt)}`,
        `Referanse i huben: nedetid ${d.id} (SUSPECTED)`,
        '',
        toOps
          ? 'Hva gjør drift: kontakt partens meldingsansvarlig / døgnbemannede kontaktpunkt og meld nedetid (POST /v1/downtime) om den bekreftes.'
          : 'Hva gjør jeg: kontroller at meldingsmottak og kvitteringer fra fagsystemet virker. Er systemet nede, meld nedetid til huben ' +
            'og følg rutinen for manuell håndtering etter Retningslinje 7.',
      ],
    );
  },
} as const;

/** The reminder for an alert still unresolved. */
export function reminderText(alert: { subject: string; body: string; createdAt: Date }): { subject: string; body: string } {
  return {
    subject: safeText(`Påminnelse: ${alert.subject}`, SUBJECT_MAX),
    body: safeText(`PÅMINNELSE: dette er fortsatt ikke løst (første varsel ${iso(alert.createdAt)}).\n\n${alert.body}`),
  };
}

/** The all-clear for a resolved alert. */
export function allClearText(alert: { subject: string; condition: string; msgId: string | null }, note: string): { subject: string; body: string } {
  return {
    subject: safeText(`Løst: ${alert.subject}`, SUBJECT_MAX),
    body: safeText(
      [`Alt klart: ${note}`, '', `Gjelder varselet: ${alert.subject}`, ...(alert.msgId ? [`MsgId: ${alert.msgId}`] : []), FOOTER].join('\n'),
    ),
  };
}

/** All-clear notes per condition. */
export const ALL_CLEAR_NOTES: Partial<Record<AlertCondition, string>> = {
  'receipt-warning': 'positiv applikasjonskvittering er mottatt.',
  'receipt-overdue': 'positiv applikasjonskvittering er mottatt (etter fristen; meldingen er tatt inn hos mottaker).',
  'party-down': 'parten er tilbake i drift; holdte meldinger leveres nå i rekkefølge.',
  'party-suspected-down': 'parten svarer igjen.',
};
