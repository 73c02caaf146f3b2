import * as applied from '../../functions/events/applied';
import * as barrel from '../../functions/events';
import * as schema from '../../functions/events/schema';
import * as status from '../../functions/events/status';
import { APPLIED_EVENT_ATTRIBUTES } from '../../lib/pipeline-settings';

const base: applied.AppliedEvent = {
  schemaVersion: 1,
  eventId: '0123456789abcdef0123456789abcdef',
  provider: 'nhncloud-sms',
  channel: 'sms',
  type: 'message.status',
  messageId: 'req-1:1',
  status: 'delivered',
  final: true,
  occurredAt: '2024-05-14T07:21:07Z',
  receivedAt: '2024-05-14T07:21:09Z',
  raw: {},
  previousStatus: 'sent',
  statusChanged: true,
};

describe('functions/events (the barrel downstream teams import)', () => {
  it('re-exports every runtime export of the schema, the status model and the applied envelope', () => {
    const expected = [...Object.keys(schema), ...Object.keys(status), ...Object.keys(applied)];
    expect(Object.keys(barrel)).toEqual(expect.arrayContaining(expected));
    expect(barrel.APPLIED_EVENT_ATTRIBUTES).toBe(APPLIED_EVENT_ATTRIBUTES);
  });
});

describe('appliedEventAttributes', () => {
  it('gives exactly the attributes filter policies may name, all strings', () => {
    const attributes = applied.appliedEventAttributes(base);
    expect(Object.keys(attributes)).toEqual([...APPLIED_EVENT_ATTRIBUTES]);
    expect(attributes).toEqual({
      provider: 'nhncloud-sms',
      channel: 'sms',
      type: 'message.status',
      status: 'delivered',
      final: 'true',
      statusChanged: 'true',
    });
  });

  it('writes false booleans as "false"', () => {
    const attributes = applied.appliedEventAttributes({ ...base, status: 'sent', final: false, statusChanged: false });
    expect(attributes).toMatchObject({ status: 'sent', final: 'false', statusChanged: 'false' });
  });

  it('gives "none" for status and final on an event without a status', () => {
    const { status: _s, final: _f, ...inbound } = base;
    const attributes = applied.appliedEventAttributes({ ...inbound, type: 'message.inbound', previousStatus: null, statusChanged: false });
    expect(attributes).toMatchObject({ type: 'message.inbound', status: 'none', final: 'none', statusChanged: 'false' });
  });
});
