import { PloValidator, parseMsgHead } from '@hub/plo';
import { generateSyntheticPatient, msgHeadPatient } from '../patients/synthetic-patient.generator.js';
import { buildChainMessageXml, type SimulatedMessageType } from './chain-message.factory.js';
import { organisationFor } from './party-address.js';

const hospital = { herId: 9100000, name: 'Sykehuset Telemark HF', services: [{ herId: 9100001, name: 'PLO innleggelse somatikk' }, { herId: 9100002, name: 'PLO utskrivning somatikk' }] };
const skien = { herId: 9100100, name: 'Skien kommune', services: [{ herId: 9100101, name: 'Sykepleietjenesten' }, { herId: 9100102, name: 'Saksbehandlertjenesten' }] };

describe('chain message factory', () => {
  let validator: PloValidator;
  beforeAll(async () => {
    validator = await PloValidator.create();
  });

  it.each<SimulatedMessageType>(['LOG_INNLAGT', 'INNLEGGELSESRAPPORT', 'HELSEOPPL_SOKNAD', 'LOG_UTSKRIVNINGSKLAR', 'UTSKRIVNINGSRAPPORT', 'LOG_UTSKREVET'])(
    'builds a schema-valid %s with a synthetic +80 patient and our parties',
    (type) => {
      const patient = generateSyntheticPatient(() => 0.42);
      const xml = buildChainMessageXml({ type, msgId: '6f1c2a4e-9d2b-4c1e-8f3a-2b7d9e0c1a55', sender: organisationFor(hospital, 9100001), receiver: organisationFor(skien, 9100101), patient: msgHeadPatient(patient) });
      expect(validator.validate(xml)).toMatchObject({ valid: true, errors: [] });
      const info = parseMsgHead(xml).msgInfo;
      expect(info.type.v).toBe(type);
      expect(info.conversationRef).toBeUndefined();
      expect(info.receiver.organisation.organisation?.idents[0]?.id).toBe('9100101');
      expect(info.patient?.idents[0]?.id).toBe(patient.fodselsnummer);
      expect(Number(patient.fodselsnummer.slice(2, 4))).toBeGreaterThan(80);
    },
  );
});
