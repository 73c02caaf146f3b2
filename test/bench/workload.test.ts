import { buildWorkload, judge, storedKey, type ScriptedMessage } from '../../bench/workload';

/** A scenario stand-in: `calls` callbacks per message, ids from the message number. */
const script =
  (calls: Record<string, number>) =>
  (provider: string, n: number): ScriptedMessage => ({
    provider,
    messageId: `m${n}`,
    expectedStatus: 'delivered',
    callbacks: Array.from({ length: calls[provider] }, (_, step) => ({ contentType: 'application/json', body: `{"m":${n},"step":${step}}` })),
  });

const options = { webhooks: 100, duplicateShare: 0.1, seed: 6, providers: ['a', 'b'], script: script({ a: 2, b: 3 }) };

describe('buildWorkload', () => {
  test('sends exactly the number of webhooks asked for, at least a tenth of them repeats', () => {
    const workload = buildWorkload(options);
    expect(workload.webhooks).toHaveLength(100);
    expect(workload.duplicates).toBeGreaterThanOrEqual(10);
    expect(workload.webhooks.filter((webhook) => webhook.duplicate)).toHaveLength(workload.duplicates);
  });

  test('every callback of every planned message is sent at least once', () => {
    const workload = buildWorkload(options);
    const sent = new Set(workload.webhooks.map((webhook) => webhook.body));
    for (const message of workload.messages) {
      const expected = script({ a: 2, b: 3 })(message.provider, Number(message.messageId.slice(1)));
      for (const callback of expected.callbacks) expect(sent.has(callback.body)).toBe(true);
    }
  });

  test('repeats are copies of callbacks that are also sent as originals', () => {
    const workload = buildWorkload(options);
    const originals = new Set(workload.webhooks.filter((webhook) => !webhook.duplicate).map((webhook) => webhook.body));
    for (const repeat of workload.webhooks.filter((webhook) => webhook.duplicate)) expect(originals.has(repeat.body)).toBe(true);
  });

  test('messages are taken from the providers in turn, whole', () => {
    const workload = buildWorkload(options);
    expect(workload.messages.slice(0, 4).map((message) => message.provider)).toEqual(['a', 'b', 'a', 'b']);
    const perMessage = new Map<string, number>();
    for (const webhook of workload.webhooks.filter((entry) => !entry.duplicate)) {
      perMessage.set(webhook.messageId, (perMessage.get(webhook.messageId) ?? 0) + 1);
    }
    for (const message of workload.messages) expect(perMessage.get(message.messageId)).toBe(message.provider === 'a' ? 2 : 3);
  });

  test('the order is shuffled, and the same seed gives the same run', () => {
    const first = buildWorkload(options);
    expect(buildWorkload(options).webhooks).toEqual(first.webhooks);
    expect(buildWorkload({ ...options, seed: 7 }).webhooks).not.toEqual(first.webhooks);
    const inOrder = first.webhooks.filter((webhook) => !webhook.duplicate).map((webhook) => webhook.body);
    expect(inOrder).not.toEqual([...inOrder].sort((x, y) => x.localeCompare(y, 'en', { numeric: true })));
  });

  test('too few webhooks for one message is an error, not an empty run', () => {
    expect(() => buildWorkload({ ...options, webhooks: 2, providers: ['b'] })).toThrow(/too few/);
  });
});

describe('judge', () => {
  const messages = [
    { provider: 'a', messageId: '1', expectedStatus: 'delivered' },
    { provider: 'a', messageId: '2', expectedStatus: 'read' },
    { provider: 'b', messageId: '1', expectedStatus: 'delivered' },
  ];

  test('counts unknown messages as lost and other statuses as wrong', () => {
    const stored = new Map([
      [storedKey('a', '1'), 'delivered'],
      [storedKey('a', '2'), 'delivered'],
    ]);
    expect(judge(messages, stored)).toEqual({ lost: 1, wrongStatus: 1, examples: ['a 2: delivered, expected read', 'b 1: not stored'] });
  });

  test('the same id at two providers is two messages', () => {
    const stored = new Map([
      [storedKey('a', '1'), 'delivered'],
      [storedKey('a', '2'), 'read'],
    ]);
    expect(judge(messages, stored).lost).toBe(1);
  });
});
