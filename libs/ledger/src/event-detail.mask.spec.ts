import { PERSON_ID_MASK } from '@hub/errors';
import { maskEventDetail } from './event-detail.mask.js';

describe('maskEventDetail', () => {
  it('masks person numbers in nested strings and keys, and keeps everything else', () => {
    const detail = {
      receiver: 8142987,
      note: 'patient 01019012345 unknown',
      attempts: [1, 2],
      nested: { '01019012345': true, offset: '42' },
      missing: null,
    };
    expect(maskEventDetail(detail)).toEqual({
      receiver: 8142987,
      note: `patient ${PERSON_ID_MASK} unknown`,
      attempts: [1, 2],
      nested: { [PERSON_ID_MASK]: true, offset: '42' },
      missing: null,
    });
  });

  it('does not change the input', () => {
    const detail = { note: '01019012345' };
    maskEventDetail(detail);
    expect(detail.note).toBe('01019012345');
  });
});
