/**
 * A structured logger that writes the same JSON records as the Powertools logger (`level`, `message`,
 * `timestamp`, `service`, `xray_trace_id`, then the fields), one line per call, for the functions whose bundle
 * size and cold start are budgeted (docs/performance.md "Budgets"): the ingest functions, on the provider's hot path.
 *
 * Why not Powertools there: `npm run bench` measured the Powertools logger and metrics at 34 kB of an ingest
 * bundle whose whole budget over a bare SQS client is 60 kB (zod/mini alone takes 30 kB of it), and at about
 * half the handler's CPU per request (each line goes through log-item objects, attribute merging and a
 * `Console`). This is the part the ingest uses: levels, JSON lines, the same environment variables.
 *
 * - Level: `POWERTOOLS_LOG_LEVEL` (or `LOG_LEVEL`), default `INFO`; Lambda's own `AWS_LAMBDA_LOG_LEVEL` wins when
 *   it is stricter, since Lambda would drop the lines anyway (Powertools does the same). `SILENT` writes nothing.
 * - `DEBUG`/`INFO` go to stdout, `WARN`/`ERROR`/`CRITICAL` to stderr, as the Powertools logger writes them.
 * - Fields are written as `JSON.stringify` writes them: pass an error's name (and where it was thrown), not the
 *   `Error` (which would print as `{}`), and never a body, a secret or a whole phone number (`maskPhone`).
 */

export const LOG_LEVELS = { DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20, CRITICAL: 24, SILENT: 28 } as const;
export type LogLevelName = keyof typeof LOG_LEVELS;

type Env = Readonly<Record<string, string | undefined>>;
type Fields = Readonly<Record<string, unknown>>;

/** Where lines go: `process.stdout`/`process.stderr` by default. */
export interface LineWriter {
  write(line: string): unknown;
}

export interface JsonLoggerOptions {
  /** The `service` of every record. @default env `POWERTOOLS_SERVICE_NAME`, else `service_undefined` */
  readonly serviceName?: string;
  /** @default from the environment, see the module comment */
  readonly logLevel?: LogLevelName;
  /** @default process.env */
  readonly env?: Env;
  readonly stdout?: LineWriter;
  readonly stderr?: LineWriter;
}

const isLevel = (value: string | undefined): value is LogLevelName => value !== undefined && Object.hasOwn(LOG_LEVELS, value);

/** `FATAL` is Lambda's name for Powertools' `CRITICAL`. */
const levelFromEnv = (value: string | undefined): LogLevelName | undefined => {
  const upper = value?.trim().toUpperCase();
  const name = upper === 'FATAL' ? 'CRITICAL' : upper;
  return isLevel(name) ? name : undefined;
};

/** The level the environment asks for (see the module comment). */
export function logLevelFromEnv(env: Env): LogLevelName {
  const configured = levelFromEnv(env.POWERTOOLS_LOG_LEVEL) ?? levelFromEnv(env.LOG_LEVEL) ?? 'INFO';
  const lambda = levelFromEnv(env.AWS_LAMBDA_LOG_LEVEL);
  return lambda !== undefined && LOG_LEVELS[lambda] > LOG_LEVELS[configured] ? lambda : configured;
}

/** `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=…;Sampled=1` → `1-5759e988-bd862e3fe1be46a994272793`. */
export function xrayTraceIdOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const root = header.split(';').find((part) => part.startsWith('Root='));
  return root ? root.slice('Root='.length) : undefined;
}

/** See the module comment. */
export class JsonLogger {
  readonly serviceName: string;
  #threshold: number;
  readonly #env: Env;
  readonly #stdout: LineWriter;
  readonly #stderr: LineWriter;

  constructor(options: JsonLoggerOptions = {}) {
    this.#env = options.env ?? process.env;
    this.serviceName = options.serviceName ?? this.#env.POWERTOOLS_SERVICE_NAME ?? 'service_undefined';
    this.#threshold = LOG_LEVELS[options.logLevel ?? logLevelFromEnv(this.#env)];
    this.#stdout = options.stdout ?? process.stdout;
    this.#stderr = options.stderr ?? process.stderr;
  }

  /** Whether a record of `level` would be written. */
  isEnabled(level: Exclude<LogLevelName, 'SILENT'>): boolean {
    return LOG_LEVELS[level] >= this.#threshold;
  }

  setLogLevel(level: LogLevelName): void {
    this.#threshold = LOG_LEVELS[level];
  }

  debug(message: string, fields?: Fields): void {
    this.log('DEBUG', message, fields);
  }

  info(message: string, fields?: Fields): void {
    this.log('INFO', message, fields);
  }

  warn(message: string, fields?: Fields): void {
    this.log('WARN', message, fields);
  }

  error(message: string, fields?: Fields): void {
    this.log('ERROR', message, fields);
  }

  critical(message: string, fields?: Fields): void {
    this.log('CRITICAL', message, fields);
  }

  /** Writes one record of `level` if the level is enabled. */
  log(level: Exclude<LogLevelName, 'SILENT'>, message: string, fields: Fields = {}): void {
    if (!this.isEnabled(level)) return;
    const record: Record<string, unknown> = {
      level,
      message,
      timestamp: new Date().toISOString(),
      service: this.serviceName,
      xray_trace_id: xrayTraceIdOf(this.#env._X_AMZN_TRACE_ID),
      ...fields,
    };
    // The fields never rename the record: these four are what every query filters on.
    record.level = level;
    record.message = message;
    record.service = this.serviceName;
    this.#writeLine(LOG_LEVELS[level] >= LOG_LEVELS.WARN ? this.#stderr : this.#stdout, record);
  }

  /**
   * Writes `record` as it is, whatever the level: for records that are data rather than messages, such as an
   * EMF metrics record, which must reach CloudWatch even when the log level hides the request's line.
   */
  writeRecord(record: Fields): void {
    this.#writeLine(this.#stdout, record);
  }

  #writeLine(stream: LineWriter, record: Fields): void {
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch (error) {
      // A BigInt or a cycle among the fields: say so rather than lose the line or throw into the caller.
      line = JSON.stringify({
        level: record.level,
        message: record.message,
        timestamp: record.timestamp,
        service: this.serviceName,
        logError: error instanceof Error ? error.message : String(error),
      });
    }
    stream.write(`${line}\n`);
  }
}
