import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/**
 * What Neon puts in front of PostgreSQL for its serverless driver (`@neondatabase/serverless`):
 * a WebSocket endpoint whose binary messages are the PostgreSQL wire protocol, passed on to and
 * from a TCP connection to the server. Here it forwards to the test's PostgreSQL, whatever
 * address the driver asks for, so that drizzle-orm/neon-serverless runs against a real server.
 * The driver is pointed at it with `neonConfig.wsProxy` (plain `ws:`, no TLS, no pipelined
 * start-up: the local server's authentication is not Neon's).
 */
export async function startNeonWsProxy(pg: { host: string; port: number }): Promise<{ address: string; connections(): number; close(): Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const sockets = new Set<Socket>();
  let connections = 0;
  server.on('connection', (ws) => {
    connections++;
    const tcp = connect(pg.port, pg.host);
    sockets.add(tcp);
    ws.on('message', (data) => tcp.write(data as Buffer));
    ws.on('close', () => tcp.end());
    ws.on('error', () => tcp.destroy());
    tcp.on('data', (data) => ws.send(data));
    tcp.on('close', () => {
      sockets.delete(tcp);
      ws.close();
    });
    tcp.on('error', () => ws.terminate());
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      for (const client of server.clients) client.terminate();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
