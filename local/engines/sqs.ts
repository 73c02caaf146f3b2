/**
 * The embedded SQS (and SNS) engine: fauxqs, in-process, on 127.0.0.1.
 *
 * fauxqs's own `startFauxqs` and CLI bind 0.0.0.0, so we build its app and listen on loopback ourselves. It is an
 * ES module; tsx (npm start, scripts) imports it in-process, while jest runs it in a child process
 * (`serve-sqs.ts`, `test/support/sqs.ts`) because jest's CommonJS sandbox cannot import ES modules.
 */
export interface SqsEngine {
  /** `http://127.0.0.1:<port>`: give every SQS/SNS client this endpoint explicitly. */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startSqsEngine(options: { port?: number } = {}): Promise<SqsEngine> {
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false });
  const endpoint = await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  return {
    endpoint,
    port: Number(new URL(endpoint).port),
    stop: async () => {
      await app.close();
    },
  };
}
