/**
 * Runs the embedded SQS engine as its own process and prints `{"endpoint": "...", "releasedInFlight": n}` on one
 * line once it listens. Used by the jest suites (which cannot import fauxqs in-process) and `npm run chaos`. `PORT`
 * (0), `DATA_DIR` (keep the queues there; in memory when unset). Stops when its stdin closes or on SIGTERM, so it
 * never outlives the test run that started it.
 */
import { startSqsEngine } from './sqs';

async function main(): Promise<void> {
  const engine = await startSqsEngine({ port: Number(process.env.PORT ?? 0), dataDir: process.env.DATA_DIR || undefined });
  process.stdout.write(`${JSON.stringify({ endpoint: engine.endpoint, releasedInFlight: engine.releasedInFlight })}\n`);
  const stop = () => void engine.stop().finally(() => process.exit(0));
  process.stdin.on('end', stop).on('close', stop).resume();
  process.on('SIGTERM', stop).on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`sqs engine failed to start: ${String(error)}\n`);
  process.exit(1);
});
