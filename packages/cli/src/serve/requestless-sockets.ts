/**
 * Connections that never sent a request, so that stopping the server can end them. Node's
 * `server.close()` waits for every open connection, and neither it nor `closeIdleConnections()`
 * ends one that has not sent a request yet (a browser's pre-connect, a TCP health probe, a client
 * that connected and hung): measured on Node 22, one such client kept `rlmtree serve` from
 * exiting after SIGTERM for good. Keep-alive connections between requests are Node's to close
 * (`close()` ends them), and a request in flight is left to finish.
 */
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';

/**
 * Starts tracking the connections of `server` (a `node:http` or `node:http2` server: anything
 * that emits `connection` with a socket and `request` with a request that has one); the function it returns destroys those that have not
 * sent a request (call it right after `server.close()`). A connection leaves the set when its
 * first request arrives or when it closes.
 */
export function trackRequestlessSockets(server: EventEmitter): () => void {
  const requestless = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    requestless.add(socket);
    socket.once('close', () => requestless.delete(socket));
  });
  server.on('request', (req: { socket: Socket }) => requestless.delete(req.socket));
  return () => {
    for (const socket of requestless) socket.destroy();
    requestless.clear();
  };
}
