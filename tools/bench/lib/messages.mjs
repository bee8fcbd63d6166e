// Benchmark messages: real PLO messages built with the project's own builders (as the
// hospital simulator does), from Sykehuset Telemark's discharge service to a municipality's
// nursing service. LOG_UTSKRIVNINGSKLAR is used because it needs no earlier message in its
// conversation and the municipal adapters answer it with an AppRec only (a LOG_INNLAGT would
// also make them send an Innleggelsesrapport, a second message per message).
// The size is reached legitimately: a longer free text (BeskrivelseAvHendelse, xs:string).
import { randomUUID } from 'node:crypto';
import { buildMsgHead, createMessage, createPasientlogistikk, hendelsekode, nowDateTime } from '@hub/plo';
import { HospitalService, MunicipalService, generateSyntheticPatient, msgHeadPatient, organisationFor } from '@hub/epj-sim';

const SENTENCE =
  'Pasienten er utskrivningsklar. Trenger hjelp til morgenstell og medisiner tre ganger daglig, ' +
  'mobiliseres med rullator, spiser selv, sover godt. Pårørende er informert og ønsker hjemmesykepleie. ';

/** Free text of exactly `bytes` UTF-8 bytes (the sentence has two-byte letters, so cut by bytes). */
export function freeText(bytes) {
  if (bytes <= 0) return undefined;
  let s = SENTENCE.repeat(Math.ceil(bytes / SENTENCE.length) + 1).slice(0, bytes);
  for (let excess = Buffer.byteLength(s) - bytes; excess > 0; excess = Buffer.byteLength(s) - bytes) s = s.slice(0, s.length - excess);
  return s + '.'.repeat(bytes - Buffer.byteLength(s));
}

function build({ hospital, municipality, msgId, patient, text }) {
  const at = nowDateTime();
  const payload = createPasientlogistikk({
    type: 'LOG_UTSKRIVNINGSKLAR',
    hendelser: [
      { hendelsekode: hendelsekode('1'), tidspunkt: at },
      { hendelsekode: hendelsekode('3'), tidspunkt: at, ...(text ? { beskrivelse: text } : {}) },
    ],
  });
  return buildMsgHead(
    createMessage({
      type: 'LOG_UTSKRIVNINGSKLAR',
      sender: { organisation: organisationFor(hospital, HospitalService.utskrivning(hospital.herId)) },
      receiver: { organisation: organisationFor(municipality, MunicipalService.sykepleietjenesten(municipality.herId)) },
      patient: msgHeadPatient(patient),
      payload,
      msgId,
      genDate: at,
    }),
  );
}

/**
 * A message factory for one target document size (UTF-8 bytes of the whole MsgHead, at least
 * the size of the message without free text). Receivers go round-robin over `municipalities`.
 * @param {{ hospital: object, municipalities: object[], targetBytes: number }} opts
 */
export function messageFactory({ hospital, municipalities, targetBytes }) {
  const probe = build({ hospital, municipality: municipalities[0], msgId: randomUUID(), patient: generateSyntheticPatient(), text: undefined });
  // The free text element itself (<BeskrivelseAvHendelse>…</…>) adds its tags once.
  const overhead = Buffer.byteLength('<BeskrivelseAvHendelse></BeskrivelseAvHendelse>');
  const padBytes = Math.max(0, targetBytes - Buffer.byteLength(probe) - overhead);
  const text = freeText(padBytes);
  let i = 0;
  return {
    next() {
      const municipality = municipalities[i++ % municipalities.length];
      const msgId = randomUUID();
      const xml = build({ hospital, municipality, msgId, patient: generateSyntheticPatient(), text });
      return { msgId, receiverHerId: municipality.herId, xml, bytes: Buffer.byteLength(xml) };
    },
  };
}
