import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from '@hub/plo';
import { pdfText } from './testing.js';
import { contentLines, labelOf, modelNode } from './content-lines.js';
import { renderManualFallbackPdf, type ManualFallbackView } from './manual-fallback.pdf.js';

// The project's own copy of the official samples (a clone must not depend on ../shared).
const samples = path.resolve(import.meta.dirname, '../../plo/test-fixtures/samples');
const innleggelsesrapport = readFileSync(path.join(samples, 'plo-v1.6/innleggelsesrapport_1_6_mottak/Innleggelsesrapport_v1-6_Ny.xml'));
const printedAt = new Date('2026-03-05T11:30:00Z');

const view = (over: Partial<ManualFallbackView> = {}): ManualFallbackView => ({
  document: innleggelsesrapport,
  msgId: '3e1d2a60-0663-11e8-b566-0800200c9a66',
  conversationId: '13a5da20-05c6-11e8-8f1a-0800200c9a66',
  msgType: 'INNLEGGELSESRAPPORT',
  hubStatus: 'DELIVERED',
  reasons: [{ kind: 'overdue', receiverHerId: 59, overdueMarkedAt: new Date('2026-03-05T10:00:00Z') }],
  receivers: [{ herId: 91090, name: 'ST OLAVS HOSPITAL HF, PLO innleggelse somatikk', status: 'Ingen applikasjonskvittering: forfalt 2026-03-05 11:00:00 (norsk tid)' }],
  printedAt,
  fetchedBy: 'Gerica integration (part 99387)',
  ...over,
});

describe('manual fallback PDF', () => {
  it('renders an official Innleggelsesrapport as a readable document for manual entry', async () => {
    const pdf = await renderManualFallbackPdf(view(), { compress: false });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfText(pdf);
    for (const expected of [
      'Helsemelding for manuell håndtering',
      'Innleggelsesrapport (INNLEGGELSESRAPPORT)',
      '3e1d2a60-0663-11e8-b566-0800200c9a66',
      '13a5da20-05c6-11e8-8f1a-0800200c9a66',
      '2018-01-30T15:34:47',
      // sender and receiver, with HER-ids
      'Alvdal Kommune (HER-id 99387)',
      'Sykepleietjeneste (HER-id 5078)',
      'ST OLAVS HOSPITAL HF (HER-id 59)',
      'PLO innleggelse somatikk (HER-id 91090)',
      // patient: name and fødselsnummer
      'Line Danser',
      '13116900216',
      // clinical content as labels and values
      'Sivil status: ',
      'Enke/enkemann (6)',
      'Bor alene: ',
      'Per Hansen er for tiden på arbeid i utlandet.',
      'Slektskap: ',
      'Sønn (SO)',
      // receipt status per receiver, why it is printed
      'Ingen applikasjonskvittering: forfalt',
      'Ingen applikasjonskvittering fra 59 innen fristen',
    ]) {
      expect([expected, text.includes(expected)]).toEqual([expected, true]);
    }
    expect(text).toMatch(/Utskrift for manuell håndtering — 2026-03-05 12:30:00 \(norsk tid\) — hentet av Gerica integration \(part 99387\)/);
    // Readable text, not the XML: no tags, no namespace declarations.
    expect(text).not.toMatch(/<\/?[A-Za-z][\w:]*[ >]/);
    expect(text).not.toContain('xmlns');
    // Metadata carries no patient data.
    expect(pdf.toString('latin1')).not.toMatch(/\/Title \([^)]*Danser/);
  });

  it('puts the footer on every page of a long document', async () => {
    const pdf = await renderManualFallbackPdf(view(), { compress: false });
    const pages = (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
    expect(pages).toBeGreaterThan(1);
    expect(pdfText(pdf).match(/Utskrift for manuell håndtering — /g)).toHaveLength(pages);
    expect(pdfText(pdf)).toContain(`Side ${pages} av ${pages}`);
  });

  it('renders a rejected AppRec with its status and 8221 errors', async () => {
    const appRec = readFileSync(path.join(samples, 'apprec-v1.1/example-avvist.xml'));
    const text = pdfText(
      await renderManualFallbackPdf(view({ document: appRec, msgType: 'APPREC', hubStatus: 'REJECTED', reasons: [{ kind: 'rejected', by: 'hub', status: 'REJECTED' }] }), { compress: false }),
    );
    expect(text).toContain('Applikasjonskvittering (APPREC)');
    expect(text).toContain('Meldingen ble avvist av huben og er ikke levert.');
    expect(text).toMatch(/Avvist \(2\)/);
    expect(text).toContain('Opprinnelig MsgId: ');
  });

  it('renders every element of a document the model cannot read (not a MsgHead)', async () => {
    const odd = Buffer.from('<?xml version="1.0"?><Melding xmlns="urn:x"><Pasient><Navn>Kari Nordmann</Navn></Pasient><Tekst>Trenger hjelp</Tekst></Melding>');
    const text = pdfText(await renderManualFallbackPdf(view({ document: odd, msgType: 'LOG_INNLAGT', hubStatus: 'REJECTED' }), { compress: false }));
    expect(text).toContain('dokumentet følger ikke standarden');
    expect(text).toContain('Kari Nordmann');
    expect(text).toContain('Trenger hjelp');
  });

  it('compresses by default', async () => {
    const pdf = await renderManualFallbackPdf(view());
    expect(pdf.toString('latin1')).toContain('/FlateDecode');
    expect(pdfText(pdf)).not.toContain('13116900216');
  });
});

describe('content lines', () => {
  it('labels elements by their names and shows coded values by their display text', () => {
    expect(labelOf('TidspunktForHendelse')).toBe('Tidspunkt for hendelse');
    expect(labelOf('IPLOSRapport')).toBe('IPLOS rapport');
    const parsed = parseDocument(innleggelsesrapport);
    if (parsed.kind !== 'MsgHead') throw new Error('expected a MsgHead');
    const lines = contentLines(modelNode(parsed.message.documents[0].refDoc.content!.body));
    expect(lines[0]).toEqual({ depth: 0, label: 'Innleggelsesrapport' });
    expect(lines).toContainEqual({ depth: 2, label: 'Forsendelsesstatus', value: 'Ny (N)' });
    expect(lines).toContainEqual({ depth: 2, label: 'Bor alene', value: 'true' });
  });
});
