/**
 * Runs in a fresh `node` process (bundled by the bench, no tsx): requires one function bundle, as the Lambda
 * runtime does at cold start, and reports how long the `require` took. Any attempt to resolve a name or open a
 * socket while loading is refused and reported: a function must not touch the network before its first request.
 *
 * argv[2]: the bundle. Prints one JSON line: `{"importMs": n, "network": ["…"], "handler": true}`.
 */
import dns from 'node:dns';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

const attempts: string[] = [];

function refuse(what: string): never {
  attempts.push(what);
  throw new Error(`bench: network access during import (${what})`);
}

net.Socket.prototype.connect = function connect(...args: unknown[]) {
  return refuse(`connect ${JSON.stringify(args[0])}`);
} as typeof net.Socket.prototype.connect;
dns.lookup = ((hostname: string) => refuse(`lookup ${hostname}`)) as unknown as typeof dns.lookup;

const bundle = process.argv[2];
const started = performance.now();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loaded = require(bundle) as { handler?: unknown };
const importMs = performance.now() - started;

// Work the import scheduled (a promise, a timer) gets one turn to show itself.
setTimeout(() => {
  process.stdout.write(`${JSON.stringify({ importMs, network: attempts, handler: typeof loaded.handler === 'function' })}\n`);
}, 20);
