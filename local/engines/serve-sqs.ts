/**
 * Runs the embedded SQS engine as its own process and prints `{"endpoint": "..."}` on one line once it listens.
 * Used by the jest suites (which cannot import fauxqs in-process). Stops when its stdin closes or on SIGTERM, so it
 * never outlives the test run that started it.
 */
import { startSqsEngine } from './sqs';

async function main(): Promise<void> {
  const engine = await startSqsEngine({ port: Number(process.env.PORT ?? 0) });
  process.stdout.write(`${JSON.stringify({ endpoint: engine.endpoint })}\n`);
  const stop = () => void engine.stop().finally(() => process.exit(0));
  process.stdin.on('end', stop).on('close', stop).resume();
  process.on('SIGTERM', stop).on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`sqs engine failed to start: ${String(error)}\n`);
  process.exit(1);
});
