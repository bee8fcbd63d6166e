import { HubError } from '@hub/errors';
import { assertNoPersonIdInHeaders, personIdHeader } from './person-id.headers.js';

const FNR = '13116900216'; // NHN test person Line Danser (DOMAIN.md §8)

describe('person numbers in headers', () => {
  it('finds a person number in a header value, with or without the space after the birth date', () => {
    expect(personIdHeader({ 'x-patient-id': FNR })).toBe('x-patient-id');
    expect(personIdHeader({ 'X-Note': `pasient 131169 00216` })).toBe('x-note');
    expect(personIdHeader({ 'idempotency-key': `pasient-${FNR}` })).toBe('idempotency-key');
    expect(personIdHeader({ 'x-list': ['a', `b${FNR}`] })).toBe('x-list');
  });

  it('finds one in a header name', () => {
    expect(personIdHeader({ [`x-${FNR}`]: 'yes' })).toBe(`x-${FNR}`);
  });

  it('leaves UUIDs, trace context, lengths and bearer tokens alone', () => {
    expect(
      personIdHeader({
        'idempotency-key': '3f1c2a9e-1234-4abc-8def-123456789012',
        traceparent: '00-12345678901234567890123456789012-12345678901ab345-01',
        'content-length': '12345678901',
        authorization: 'Bearer 12345678901',
        'user-agent': 'undici',
      }),
    ).toBeUndefined();
  });

  it('refuses with INTAKE.PERSON_ID_IN_HEADER naming the header, never the number; a Kafka key counts as a header', () => {
    const refusal = (headers: Record<string, string>, key?: string) => {
      try {
        assertNoPersonIdInHeaders(headers, key);
        return undefined;
      } catch (err) {
        return err as HubError;
      }
    };
    const err = refusal({ 'x-patient-id': FNR })!;
    expect(err).toBeInstanceOf(HubError);
    expect([err.code, err.retriable, err.metadata]).toEqual(['INTAKE.PERSON_ID_IN_HEADER', false, { header: 'x-patient-id' }]);
    expect(JSON.stringify({ message: err.message, metadata: err.metadata })).not.toContain(FNR);
    expect(refusal({}, FNR)?.metadata).toEqual({ header: 'kafka-key' });
    expect(refusal({ 'x-hub-msg-id': '3f1c2a9e-1234-4abc-8def-123456789012' }, 'conversation-1')).toBeUndefined();
  });
});
