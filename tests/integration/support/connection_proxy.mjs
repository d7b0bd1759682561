// A pass-through HTTP proxy on loopback in front of kinesis-local whose existing connections can be
// made to vanish, as they do for a Lambda environment restored from a snapshot or thawed after a
// long freeze: closed by the far end, or silently dead (a NAT or load balancer forgot the flow, so
// nothing ever answers on it again).
import http from 'node:http';
import { forwardRequest } from './forward.mjs';

/**
 * Starts a proxy to `target` (e.g. http://127.0.0.1:PORT). Returns
 * { endpoint, port, closeAll(), blackHoleAll(), stats(), close() }.
 * closeAll() closes every open connection; blackHoleAll() keeps them open but from then on reads
 * and drops whatever arrives on them and never answers. New connections work normally either way.
 */
export async function startConnectionProxy({ target }) {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const counts = { connections: 0, requests: 0, forwarded: 0, swallowed: 0, upstreamErrors: 0 };
  const open = new Set();
  const blackHoled = new WeakSet();

  const server = http.createServer((req, res) => {
    counts.requests += 1;
    if (blackHoled.has(req.socket)) {
      // A dead flow: the request is read and dropped, no answer ever comes.
      counts.swallowed += 1;
      req.resume();
      return;
    }
    counts.forwarded += 1;
    forwardRequest({
      req, res, upstream, agent, who: 'connection proxy', onError: () => { counts.upstreamErrors += 1; },
    });
  });
  server.keepAliveTimeout = 600000;  // the extension's connection stays open until we decide
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  server.on('connection', (socket) => {
    counts.connections += 1;
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    /** Closes every connection open now (the peer sees FIN). Returns how many. */
    closeAll() {
      const n = open.size;
      for (const socket of open) socket.destroy();
      return n;
    },
    /** Every connection open now becomes a black hole. Returns how many. */
    blackHoleAll() {
      for (const socket of open) blackHoled.add(socket);
      return open.size;
    },
    stats() { return { ...counts, open: open.size }; },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
