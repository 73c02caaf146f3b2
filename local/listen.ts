/**
 * Starting the local servers (the gateway, the DynamoDB engine) on the loopback address, which is all `npm start`
 * and the tests ever need and keeps them off the network.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts `server` on 127.0.0.1 and resolves with its port once it listens (`port` 0: any free one); a listen error
 * (the port is taken) rejects instead.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { listenOnLoopback } from './listen';
 * const port = await listenOnLoopback(createServer(), 0);
 * ```
 */
export async function listenOnLoopback(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
