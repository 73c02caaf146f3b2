/**
 * The pipeline under test of `npm run chaos` (bench/chaos.ts), as its own process so the run can kill it outright:
 * `npm start`'s composition, but on an SQS engine that lives outside it (so a kill loses nothing queued) and with a
 * short visibility timeout (so what the killed consumer held comes back within seconds). Prints `{"url": …}` once it
 * serves. Settings come from the environment the run gives it.
 */
import { startLocalPipeline } from '../local/pipeline';

async function main(): Promise<void> {
  const pipeline = await startLocalPipeline({
    port: Number(process.env.PORT),
    dataDir: process.env.DATA_DIR,
    sqsEndpoint: process.env.CHAOS_SQS_ENDPOINT,
    prefix: 'chaos-',
    visibilityTimeoutSeconds: Number(process.env.CHAOS_VISIBILITY_SECONDS ?? 5),
    logLevel: 'SILENT',
  });
  process.stdout.write(`${JSON.stringify({ url: pipeline.url })}\n`);
  const stop = () => void pipeline.stop().finally(() => process.exit(0));
  process.once('SIGINT', stop).once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos pipeline failed to start: ${(error as Error).message ?? String(error)}\n`);
  process.exit(1);
});
