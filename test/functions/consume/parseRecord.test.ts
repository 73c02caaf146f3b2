import { InvalidRecordError } from '../../../functions/consume/errors';
import { parseRecord } from '../../../functions/consume/parseRecord';
import { loadEvents, sqsRecordOf } from './support';

const [event] = loadEvents('webcom-viber-cascade');

describe('parseRecord', () => {
  it('returns the event a record carries', () => {
    expect(parseRecord(sqsRecordOf(event))).toEqual(event);
  });

  it('refuses a body that is not JSON, without quoting it', () => {
    const record = sqsRecordOf('+4915752982212 {');
    expect(() => parseRecord(record)).toThrow(InvalidRecordError);
    expect(() => parseRecord(record)).toThrow(/body is not JSON/);
    expect(() => parseRecord(record)).not.toThrow(/4915752982212/);
  });

  it('names the first field that is not a v1 event, without quoting its value', () => {
    const record = sqsRecordOf(JSON.stringify({ ...event, occurredAt: '+4915752982212' }));
    expect(() => parseRecord(record)).toThrow(
      expect.objectContaining({ name: 'InvalidRecordError', field: 'occurredAt', messageId: record.messageId }),
    );
    expect(() => parseRecord(record)).not.toThrow(/4915752982212/);
  });

  it('refuses another schema version', () => {
    expect(() => parseRecord(sqsRecordOf(JSON.stringify({ ...event, schemaVersion: 2 })))).toThrow(
      expect.objectContaining({ field: 'schemaVersion' }),
    );
  });
});
