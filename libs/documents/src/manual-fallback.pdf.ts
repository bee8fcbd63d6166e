import PDFDocument from 'pdfkit';
import {
  AppRecError, AppRecStatus, MessageType, PersonIdType, SafeXmlParser, parseDocument,
  type AppRec, type AppRecParty, type HubMessage, type Organisation, type Patient, type Payload,
} from '@hub/plo';
import { contentLines, modelNode, viewNode, type ContentLine } from './content-lines.js';
import type { FallbackReason } from './fallback-eligibility.policy.js';

/** The receipt situation of one receiver, as the PDF shows it. */
export interface ReceiverStatus {
  herId: number;
  name?: string;
  /** Readable status, e.g. `Avvist: E21 Mottaker finnes ikke`. */
  status: string;
}

/** Everything the manual-fallback PDF shows besides the document itself. */
export interface ManualFallbackView {
  /** The document as received (MsgHead or AppRec), decrypted from the vault. */
  document: Uint8Array | string;
  msgId: string;
  conversationId: string;
  msgType: string;
  /** `message.status` in the ledger. */
  hubStatus: string;
  /** Why the message is printed. */
  reasons: readonly FallbackReason[];
  receivers: readonly ReceiverStatus[];
  printedAt: Date;
  /** Who fetched it: credential label and role. */
  fetchedBy: string;
}

export interface RenderOptions {
  /** Compress page streams (default true). Tests turn it off to find the text in the PDF. */
  compress?: boolean;
}

const MARGIN = 50;
const FOOTER_HEIGHT = 30;

/** `2026-05-03 14:05:12` in Norwegian time (Europe/Oslo), the way a printout is read. */
export function formatOsloTime(date: Date): string {
  return `${new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).format(date)} (norsk tid)`;
}

/** The footer every page carries. */
export function footerText(printedAt: Date, fetchedBy: string): string {
  return `Utskrift for manuell håndtering — ${formatOsloTime(printedAt)} — hentet av ${fetchedBy}`;
}

// The standard PDF fonts encode WinAnsi (Windows-1252): Norwegian letters are there; anything
// else is replaced rather than written as garbage.
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
function printable(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '\n') out += ch;
    else if (ch === '\t' || ch === '\r') out += ' ';
    else if ((c >= 0x20 && c < 0x7f) || (c >= 0xa0 && c <= 0xff) || WIN_ANSI_EXTRA.has(ch)) out += ch;
    else if (c >= 0x7f) out += '?';
  }
  return out;
}

const typeName = (type: string) => (MessageType as Record<string, string>)[type];

function reasonText(r: FallbackReason): string {
  switch (r.kind) {
    case 'rejected':
      return r.by === 'hub' ? 'Meldingen ble avvist av huben og er ikke levert.' : `Mottaker ${r.receiverHerId} avviste meldingen (negativ applikasjonskvittering).`;
    case 'overdue':
      return `Ingen applikasjonskvittering fra ${r.receiverHerId} innen fristen (forfalt ${formatOsloTime(r.overdueMarkedAt)}).`;
    case 'held':
      return `Leveransen til ${r.receiverHerId} er holdt tilbake siden ${formatOsloTime(r.heldAt)} (mottaker nede).`;
  }
}

const herIdOf = (o: { idents: readonly { id: string; typeId: { v?: string } }[] }) => o.idents.find((i) => i.typeId.v === 'HER')?.id;

function organisationLines(org: Organisation | undefined): string[] {
  if (!org) return [];
  const lines: string[] = [];
  const her = herIdOf(org);
  lines.push(`${org.name}${her ? ` (HER-id ${her})` : ''}`);
  if (org.organisation) lines.push(...organisationLines(org.organisation).map((l) => `  ${l}`));
  const hp = org.healthcareProfessional;
  if (hp) {
    const name = [hp.givenName, hp.middleName, hp.familyName].filter(Boolean).join(' ');
    const hpHer = herIdOf(hp);
    lines.push(`  ${name || 'Helsepersonell'}${hp.roleToPatient?.dn ? `, ${hp.roleToPatient.dn}` : ''}${hpHer ? ` (HER-id ${hpHer})` : ''}`);
  }
  return lines;
}

function appRecPartyLines(p: AppRecParty): string[] {
  if (p.inst) {
    return [
      `${p.inst.name ?? '(uten navn)'}${p.inst.id ? ` (${p.inst.typeId?.v ?? 'id'} ${p.inst.id})` : ''}`,
      ...p.inst.depts.map((d) => `  ${d.name ?? '(uten navn)'}${d.id ? ` (${d.typeId?.v ?? 'id'} ${d.id})` : ''}`),
      ...p.inst.hcPersons.map((h) => `  ${h.name ?? '(uten navn)'}${h.id ? ` (${h.id})` : ''}`),
    ];
  }
  if (p.hcProf) return [`${p.hcProf.name ?? '(uten navn)'}${p.hcProf.id ? ` (${p.hcProf.id})` : ''}`];
  return ['(ikke oppgitt)'];
}

/** pdfkit with the layout helpers this printout uses. */
class Printout {
  readonly doc: PDFKit.PDFDocument;
  private readonly width: number;

  constructor(compress: boolean, title: string) {
    this.doc = new PDFDocument({
      size: 'A4',
      margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: MARGIN + FOOTER_HEIGHT },
      compress,
      bufferPages: true,
      // Metadata carries no patient data: the file may be listed or indexed by the reader's system.
      info: { Title: title, Creator: 'Samhandling hub', Producer: 'Samhandling hub' },
    });
    this.width = this.doc.page.width - 2 * MARGIN;
  }

  title(text: string, sub: string): void {
    this.doc.font('Helvetica-Bold').fontSize(16).text(printable(text), MARGIN, this.doc.y, { width: this.width });
    this.doc.font('Helvetica').fontSize(11).text(printable(sub), { width: this.width });
    this.doc.moveDown(0.6);
  }

  heading(text: string): void {
    if (this.doc.y > this.doc.page.height - MARGIN - FOOTER_HEIGHT - 60) this.doc.addPage();
    this.doc.moveDown(0.5);
    this.doc.font('Helvetica-Bold').fontSize(12).text(printable(text), MARGIN, this.doc.y, { width: this.width });
    this.doc.moveDown(0.2);
  }

  field(label: string, value: string | undefined): void {
    this.doc.font('Helvetica-Bold').fontSize(10).text(printable(`${label}: `), MARGIN, this.doc.y, { width: this.width, continued: true });
    this.doc.font('Helvetica').text(printable(value ?? '—'));
  }

  lines(lines: readonly string[]): void {
    for (const l of lines) this.doc.font('Helvetica').fontSize(10).text(printable(l), MARGIN, this.doc.y, { width: this.width });
  }

  content(lines: readonly ContentLine[]): void {
    for (const line of lines) {
      const indent = Math.min(line.depth, 12) * 10;
      const x = MARGIN + indent;
      const opts = { width: this.width - indent };
      if (line.value === undefined) {
        this.doc.font('Helvetica-Bold').fontSize(9.5).text(printable(line.label), x, this.doc.y, opts);
      } else {
        this.doc.font('Helvetica-Bold').fontSize(9.5).text(printable(`${line.label}: `), x, this.doc.y, { ...opts, continued: true });
        this.doc.font('Helvetica').text(printable(line.value));
      }
    }
  }

  /** Writes the footer on every page and returns the finished file. */
  async finish(footer: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    const done = new Promise<Buffer>((resolve, reject) => {
      this.doc.on('data', (c: Buffer) => chunks.push(c));
      this.doc.on('end', () => resolve(Buffer.concat(chunks)));
      this.doc.on('error', reject);
    });
    const range = this.doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      this.doc.switchToPage(i);
      const bottom = this.doc.page.margins.bottom;
      this.doc.page.margins.bottom = 0; // writing inside the bottom margin must not open a new page
      const y = this.doc.page.height - MARGIN - 12;
      this.doc.font('Helvetica').fontSize(8).text(printable(footer), MARGIN, y, { width: this.width - 60, lineBreak: false });
      this.doc.text(`Side ${i - range.start + 1} av ${range.count}`, MARGIN + this.width - 60, y, { width: 60, align: 'right', lineBreak: false });
      this.doc.page.margins.bottom = bottom;
    }
    this.doc.end();
    return done;
  }
}

function patientSection(p: Printout, patient: Patient | undefined): void {
  p.heading('Pasient');
  if (!patient) {
    p.lines(['Meldingen gjelder ingen pasient.']);
    return;
  }
  p.field('Navn', [patient.givenName, patient.middleName, patient.familyName].filter(Boolean).join(' ') || undefined);
  // The one place the hub shows the clear person number: the receiver needs it to file the
  // message by hand in the right journal.
  for (const ident of patient.idents) {
    const type = ident.typeId.v ?? '';
    const label = ident.typeId.dn ?? (PersonIdType as Record<string, string>)[type] ?? (type || 'Id');
    p.field(label, ident.id);
  }
  if (patient.dateOfBirth) p.field('Fødselsdato', patient.dateOfBirth);
  if (patient.sex?.dn ?? patient.sex?.v) p.field('Kjønn', patient.sex.dn ?? patient.sex.v);
  const a = patient.address;
  if (a && (a.streetAdr || a.postalCode || a.city)) p.field('Adresse', [a.streetAdr, [a.postalCode, a.city].filter(Boolean).join(' ')].filter(Boolean).join(', '));
}

function payloadTitle(payload: Payload | undefined, index: number): string {
  if (!payload) return `Dokument ${index + 1} (filreferanse, ikke i meldingen)`;
  if (payload.kind === 'plo') return `Dokument ${index + 1}: ${payload.schema}${payload.logistikk ? ` / ${payload.logistikk}` : ''} (PLO v${payload.version})`;
  if (payload.kind === 'dialog') return `Dokument ${index + 1}: Dialogmelding v${payload.version}`;
  return `Dokument ${index + 1}: ${payload.root}`;
}

function messageSections(p: Printout, view: ManualFallbackView, message: HubMessage): void {
  const info = message.msgInfo;
  p.heading('Avsender');
  p.lines(organisationLines(info.sender.organisation));
  p.heading('Mottaker');
  p.lines(organisationLines(info.receiver.organisation));
  for (const other of info.otherReceivers) {
    p.lines([`Kopimottaker (${other.roleReceiver.dn ?? other.roleReceiver.v ?? 'kopi'}):`, ...organisationLines(other.organisation).map((l) => `  ${l}`)]);
  }
  patientSection(p, info.patient);
  receiptSection(p, view);
  p.heading('Innhold');
  message.documents.forEach((d, i) => {
    p.doc.moveDown(0.3);
    p.lines([payloadTitle(d.refDoc.content, i)]);
    if (d.refDoc.description) p.field('Beskrivelse', d.refDoc.description);
    if (d.refDoc.content) p.content(contentLines(modelNode(d.refDoc.content.body), { maxLines: 4000 }).map((l) => ({ ...l, depth: l.depth + 1 })));
  });
}

function appRecSections(p: Printout, view: ManualFallbackView, appRec: AppRec): void {
  p.heading('Avsender');
  p.lines(appRecPartyLines(appRec.sender));
  p.heading('Mottaker');
  p.lines(appRecPartyLines(appRec.receiver));
  receiptSection(p, view);
  p.heading('Innhold: applikasjonskvittering');
  const status = appRec.status.v ?? '';
  p.field('Status', `${appRec.status.dn ?? (AppRecStatus as Record<string, string>)[status] ?? status} (${status})`);
  for (const e of appRec.errors) {
    const code = e.v ?? '';
    p.field(`Feil ${code}`, [e.dn ?? (AppRecError as Record<string, string>)[code], e.ot].filter(Boolean).join(' — '));
  }
  const original = appRec.originalMsgId;
  p.field('Gjelder melding', `${original.msgType.dn ?? typeName(original.msgType.v ?? '') ?? ''} (${original.msgType.v ?? '?'})`);
  p.field('Opprinnelig MsgId', original.id);
  p.field('Opprinnelig GenDate', original.issueDate);
}

function receiptSection(p: Printout, view: ManualFallbackView): void {
  p.heading('Kvitteringsstatus per mottaker');
  if (view.receivers.length === 0) p.lines(['Ingen mottakere registrert.']);
  for (const r of view.receivers) p.field(`${r.name ? `${r.name} ` : ''}(HER-id ${r.herId})`, r.status);
}

/**
 * Renders a message for manual handling (issue 5): what it is and why it is printed, sender,
 * receivers, patient (with the person number, for manual journal entry), the clinical content
 * as labelled text, the receipt status per receiver, and on every page the footer naming when
 * and by whom it was fetched. A document the model cannot read (it may be the reason it was
 * rejected) is still rendered: every element of it, generically.
 */
export async function renderManualFallbackPdf(view: ManualFallbackView, options: RenderOptions = {}): Promise<Buffer> {
  const name = typeName(view.msgType);
  const p = new Printout(options.compress ?? true, `Melding ${view.msgId} for manuell håndtering`);
  p.title('Helsemelding for manuell håndtering', `${name ? `${name} ` : ''}(${view.msgType})`);
  p.heading('Hvorfor denne utskriften');
  p.lines(view.reasons.map(reasonText));
  p.lines(['Meldingen er ikke kommet inn i mottakerens journal elektronisk. Registrer den manuelt og kontakt avsender ved tvil.']);

  let parsed: ReturnType<typeof parseDocument> | undefined;
  try {
    parsed = parseDocument(view.document);
  } catch {
    parsed = undefined;
  }
  p.heading('Melding');
  p.field('Meldingstype', `${name ?? 'ukjent type'} (${view.msgType})`);
  p.field('MsgId', view.msgId);
  p.field('Samtale (ConversationRef)', view.conversationId);
  if (parsed?.kind === 'MsgHead') {
    const info = parsed.message.msgInfo;
    if (info.conversationRef) p.field('Svar på (RefToParent)', info.conversationRef.refToParent);
    p.field('GenDate', info.genDate);
  } else if (parsed?.kind === 'AppRec') {
    p.field('GenDate', parsed.appRec.genDate);
  }
  p.field('Status i huben', view.hubStatus);

  if (parsed?.kind === 'MsgHead') messageSections(p, view, parsed.message);
  else if (parsed?.kind === 'AppRec') appRecSections(p, view, parsed.appRec);
  else await unreadableSections(p, view);
  return p.finish(footerText(view.printedAt, view.fetchedBy));
}

/** A document the model cannot read: every element, generically (still no raw XML). */
async function unreadableSections(p: Printout, view: ManualFallbackView): Promise<void> {
  receiptSection(p, view);
  p.heading('Innhold (dokumentet følger ikke standarden; alle elementer vises)');
  const parser = await SafeXmlParser.create();
  const outcome = parser.parse(view.document);
  if (!outcome.ok) {
    p.lines([`Dokumentet kan ikke leses som XML (${outcome.error.code}). Be avsender om å sende meldingen på nytt eller manuelt.`]);
    return;
  }
  try {
    p.content(contentLines(viewNode(outcome.doc.root), { maxLines: 6000 }));
  } finally {
    outcome.doc.dispose();
  }
}
