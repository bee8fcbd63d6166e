import { buildMsgHead, createDialogmelding, createMessage, feilAdressatNotat, nowDateTime, type HubMessage, type Ident, type Organisation } from '@hub/plo';
import { organisationFor, type AddressableParty } from '../documents/party-address.js';
import { deterministicUuid } from '../ids/deterministic-id.js';

const herIdsOf = (o: Organisation | undefined): string[] =>
  o ? [...o.idents.filter((i: Ident) => i.typeId.v?.trim() === 'HER').map((i) => i.id.trim()), ...herIdsOf(o.organisation)] : [];

/** The DIALOG_AVVIK's MsgId: derived from the receiving party and the received MsgId, so it is sent once. */
export function avvikMsgIdFor(partyHerId: number, receivedMsgId: string): string {
  return deterministicUuid('dialog-avvik', String(partyHerId), receivedMsgId);
}

/**
 * "Tilbakemelding om feil i mottatt melding" (DIALOG_AVVIK, Dialogmelding v1.0 Notat with
 * TemaKodet kodeverk 8117 code 1 "Feil adressat") for a message addressed to another
 * organisation (DOMAIN.md §7, AVV §4.2):
 * - from the party whose inbox it reached (its first service, the kommunikasjonspart, when it
 *   has one), back to the received message's sender exactly as that sender named itself;
 * - `ConversationRef` points to the received message (RefToParent = its MsgId, RefToConversation
 *   = its dialog start);
 * - the patient is copied from the received message (the receiver may have no record of them);
 * - the text names the MsgId and the addressee, never the patient.
 */
export function createFeilAdressatAvvik(received: HubMessage, party: AddressableParty, opts: { genDate?: string } = {}): HubMessage {
  const info = received.msgInfo;
  const addressedTo = herIdsOf(info.receiver.organisation);
  const addressee = `${info.receiver.organisation.name ?? 'ukjent virksomhet'} (HER-id ${addressedTo.join('/') || 'ukjent'})`;
  const tekst =
    `Meldingen ${info.type.v ?? ''} med MsgId ${info.msgId} er adressert til ${addressee}, ` +
    `men kom til ${party.name} (HER-id ${party.herId}). Den er ikke lagt inn i journalen og er satt i karantene. ` +
    'Send meldingen på nytt til riktig mottaker.';
  const patient = info.patient;
  if (!patient) throw new RangeError('DIALOG_AVVIK needs the patient of the received message');
  return createMessage({
    type: 'DIALOG_AVVIK',
    msgId: avvikMsgIdFor(party.herId, info.msgId),
    genDate: opts.genDate ?? nowDateTime(),
    sender: { organisation: organisationFor(party, party.services[0]?.herId) },
    receiver: { organisation: info.sender.organisation },
    patient,
    conversationRef: { refToParent: info.msgId, refToConversation: info.conversationRef?.refToConversation ?? info.msgId },
    payload: createDialogmelding({ notater: [{ ...feilAdressatNotat(tekst.slice(0, 2000)), tema: 'Feil adressat' }] }),
  });
}

/** The XML of {@link createFeilAdressatAvvik}. */
export function buildFeilAdressatAvvikXml(received: HubMessage, party: AddressableParty, opts: { genDate?: string } = {}): string {
  return buildMsgHead(createFeilAdressatAvvik(received, party, opts));
}
