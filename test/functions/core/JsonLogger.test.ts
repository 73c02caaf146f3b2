import { JsonLogger, logLevelFromEnv, xrayTraceIdOf } from '../../../functions/core/JsonLogger';

/** A logger writing into arrays, one parsed record per line. */
function capturing(options: ConstructorParameters<typeof JsonLogger>[0] = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const logger = new JsonLogger({
    env: {},
    ...options,
    stdout: { write: (line: string) => out.push(line) },
    stderr: { write: (line: string) => err.push(line) },
  });
  const parse = (lines: string[]) => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, out: () => parse(out), err: () => parse(err), raw: { out, err } };
}

describe('JsonLogger', () => {
  test('writes one JSON line with level, message, timestamp, service and the fields', () => {
    const { logger, out, raw } = capturing({ serviceName: 'webhook-ingest' });
    logger.info('webhook accepted', { provider: 'webcom', events: 2 });
    expect(raw.out).toHaveLength(1);
    expect(raw.out[0].endsWith('\n')).toBe(true);
    const [record] = out();
    expect(record).toMatchObject({ level: 'INFO', message: 'webhook accepted', service: 'webhook-ingest', provider: 'webcom', events: 2 });
    expect(new Date(record.timestamp as string).toISOString()).toBe(record.timestamp);
  });

  test('warnings and errors go to stderr, debug and info to stdout', () => {
    const { logger, out, err } = capturing({ logLevel: 'DEBUG' });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    logger.critical('c');
    expect(out().map((record) => record.level)).toEqual(['DEBUG', 'INFO']);
    expect(err().map((record) => record.level)).toEqual(['WARN', 'ERROR', 'CRITICAL']);
  });

  test('records below the level are not written, and SILENT writes nothing', () => {
    const warn = capturing({ logLevel: 'WARN' });
    warn.logger.info('hidden');
    warn.logger.warn('shown');
    expect([...warn.out(), ...warn.err()].map((record) => record.message)).toEqual(['shown']);
    const silent = capturing({ logLevel: 'SILENT' });
    silent.logger.error('hidden');
    expect([...silent.raw.out, ...silent.raw.err]).toEqual([]);
  });

  test('fields never rename the record', () => {
    const { logger, out } = capturing({ serviceName: 'svc' });
    logger.info('real', { level: 'DEBUG', message: 'fake', service: 'other' });
    expect(out()[0]).toMatchObject({ level: 'INFO', message: 'real', service: 'svc' });
  });

  test('the X-Ray trace id of the invocation is on the line when Lambda gives one', () => {
    const env: Record<string, string | undefined> = {};
    const { logger, out } = capturing({ env });
    logger.info('before');
    env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    logger.info('during');
    expect(out()[0].xray_trace_id).toBeUndefined();
    expect(out()[1].xray_trace_id).toBe('1-5759e988-bd862e3fe1be46a994272793');
  });

  test('a field JSON cannot write still gives a line that says so', () => {
    const { logger, err } = capturing();
    logger.error('with a bigint', { value: BigInt(1) });
    expect(err()[0]).toMatchObject({ level: 'ERROR', message: 'with a bigint', logError: expect.any(String) });
  });

  test('a data record is written whatever the level', () => {
    const { logger, out } = capturing({ logLevel: 'SILENT' });
    logger.writeRecord({ _aws: { Timestamp: 1 }, Pings: 1 });
    expect(out()).toEqual([{ _aws: { Timestamp: 1 }, Pings: 1 }]);
  });

  test('setLogLevel changes what is written from then on', () => {
    const { logger, out } = capturing({ logLevel: 'ERROR' });
    logger.info('hidden');
    logger.setLogLevel('INFO');
    logger.info('shown');
    expect(out().map((record) => record.message)).toEqual(['shown']);
  });
});

describe('logLevelFromEnv', () => {
  test('POWERTOOLS_LOG_LEVEL, then LOG_LEVEL, then INFO', () => {
    expect(logLevelFromEnv({})).toBe('INFO');
    expect(logLevelFromEnv({ LOG_LEVEL: 'debug' })).toBe('DEBUG');
    expect(logLevelFromEnv({ POWERTOOLS_LOG_LEVEL: 'warn', LOG_LEVEL: 'debug' })).toBe('WARN');
    expect(logLevelFromEnv({ POWERTOOLS_LOG_LEVEL: 'loud' })).toBe('INFO');
  });

  test("Lambda's own level wins only when it is stricter", () => {
    expect(logLevelFromEnv({ POWERTOOLS_LOG_LEVEL: 'DEBUG', AWS_LAMBDA_LOG_LEVEL: 'WARN' })).toBe('WARN');
    expect(logLevelFromEnv({ POWERTOOLS_LOG_LEVEL: 'ERROR', AWS_LAMBDA_LOG_LEVEL: 'INFO' })).toBe('ERROR');
    expect(logLevelFromEnv({ AWS_LAMBDA_LOG_LEVEL: 'FATAL' })).toBe('CRITICAL');
  });
});

describe('xrayTraceIdOf', () => {
  test('takes the Root of the trace header', () => {
    expect(xrayTraceIdOf('Root=1-abc;Parent=def;Sampled=0')).toBe('1-abc');
    expect(xrayTraceIdOf('Parent=def')).toBeUndefined();
    expect(xrayTraceIdOf(undefined)).toBeUndefined();
  });
});
