/**
 * Adding fields to a JSON object body, for schemes whose proof travels inside the body (body credentials, Vonage's
 * signed parameters). Tools sign a provider's body as it is: the fields go in right after the opening brace and
 * every other byte stays where it was, so a body padded or formatted on purpose (a test of the size cap) keeps its
 * size and shape. A body that already has one of the fields is rebuilt instead, so the new value is the one read.
 */
export function withJsonFields(body: Buffer, fields: Readonly<Record<string, string>>): Buffer {
  const text = body.toString('utf8');
  const open = text.search(/\S/);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text || '{}');
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return body;
  const existing = parsed as Record<string, unknown>;
  if (Object.entries(fields).every(([name, value]) => existing[name] === value)) return body;
  if (open < 0 || Object.keys(fields).some((name) => Object.hasOwn(existing, name))) {
    return Buffer.from(JSON.stringify({ ...existing, ...fields }));
  }
  const added = Object.entries(fields)
    .map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`)
    .join(',');
  const empty = Object.keys(existing).length === 0;
  return Buffer.from(`${text.slice(0, open + 1)}${added}${empty ? '' : ','}${text.slice(open + 1)}`);
}
