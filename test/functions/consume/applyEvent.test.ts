import { outcomeOfRefusal, outcomeOfWrite } from '../../../functions/consume/applyEvent';

const item = { eventId: 'b'.repeat(32), status: 'delivered' as const };

describe('outcome of a state write', () => {
  it('changes the status when the replaced one differs, or there was none', () => {
    expect(outcomeOfWrite(item, { status: 'sent' })).toEqual({ statusChanged: true, previousStatus: 'sent' });
    expect(outcomeOfWrite(item, undefined)).toEqual({ statusChanged: true, previousStatus: null });
  });

  it('does not change the status when a newer event says the same', () => {
    expect(outcomeOfWrite(item, { status: 'delivered' })).toEqual({ statusChanged: false, previousStatus: 'delivered' });
  });
});

describe('outcome of a refused state write', () => {
  it('is what the delivery that applied this event saw, when the state carries it', () => {
    const state = { eventId: item.eventId, status: 'delivered' as const, previousStatus: 'sent' as const, previousEventId: 'a'.repeat(32) };
    expect(outcomeOfRefusal(item, state)).toEqual({ statusChanged: true, previousStatus: 'sent' });
  });

  it('changes nothing when the state carries another event that did not replace this one', () => {
    const state = { eventId: 'c'.repeat(32), status: 'read' as const, previousStatus: 'delivered' as const, previousEventId: 'd'.repeat(32) };
    expect(outcomeOfRefusal(item, state)).toEqual({ statusChanged: false, previousStatus: 'read' });
  });

  it('is still known when this event applied and was overtaken by the one the state carries', () => {
    const overtaken = {
      eventId: 'c'.repeat(32),
      status: 'delivered' as const,
      previousStatus: 'delivered' as const,
      previousEventId: item.eventId,
      replacedPreviousStatus: 'sent' as const,
    };
    expect(outcomeOfRefusal(item, overtaken)).toEqual({ statusChanged: true, previousStatus: 'sent' });
    // This event was the message's first status: it changed it from nothing.
    expect(outcomeOfRefusal(item, { ...overtaken, replacedPreviousStatus: null })).toEqual({ statusChanged: true, previousStatus: null });
    // It had refreshed the same status: no change then either.
    expect(outcomeOfRefusal(item, { ...overtaken, replacedPreviousStatus: 'delivered' })).toEqual({
      statusChanged: false,
      previousStatus: 'delivered',
    });
  });
});
