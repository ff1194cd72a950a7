/** Test support: a WsBridge behind a real HTTP server on loopback. */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { LOCAL_CALLER } from '../../../shared/bridge/dispatch';
import type { WsBridge } from '../ws-server';

/** Serves `bridge`'s upgrades (as this device) on a free loopback port; `stop` closes both. */
export async function serveBridge(bridge: WsBridge): Promise<{ port: number; stop(): Promise<void> }> {
  const server = createServer();
  server.on('upgrade', (request, socket, head) => bridge.handleUpgrade(request, socket, head, LOCAL_CALLER));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    stop: () => {
      bridge.close();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
