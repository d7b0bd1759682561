// An HTTP proxy on loopback in front of kinesis-local that can hold requests for a while (a Kinesis stall).
import http from 'node:http';
import { forwardRequest } from './forward.mjs';

/**
 * Starts a proxy to `target` (e.g. http://127.0.0.1:PORT). Returns
 * { endpoint, port, stallFor(ms), stallAtNextRequest(ms), stats(), close() }.
 * A request that arrives while a stall window is open is held until the window ends, then forwarded;
 * if its client gave up (closed the connection) in the meantime it is not forwarded, as if lost on the
 * way. Requests, held requests and abandoned requests are counted.
 */
export async function startStallProxy({ target }) {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const counts = { requests: 0, held: 0, abandoned: 0, forwarded: 0, upstreamErrors: 0 };
  const timers = new Set();
  let stallUntil = 0;
  let stallAtNextRequestMs = 0;

  const forward = (req, res) => {
    counts.forwarded += 1;
    forwardRequest({
      req, res, upstream, agent, who: 'stall proxy', onError: () => { counts.upstreamErrors += 1; },
    });
  };

  const server = http.createServer((req, res) => {
    counts.requests += 1;
    if (stallAtNextRequestMs > 0) {
      stallUntil = Date.now() + stallAtNextRequestMs;
      stallAtNextRequestMs = 0;
    }
    const holdMs = stallUntil - Date.now();
    if (holdMs <= 0) {
      forward(req, res);
      return;
    }
    counts.held += 1;
    let clientGone = false;
    res.on('close', () => { if (!res.writableFinished) clientGone = true; });
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (clientGone || req.socket.destroyed) {
        counts.abandoned += 1;
        return;
      }
      forward(req, res);
    }, holdMs);
    timers.add(timer);
  });
  server.keepAliveTimeout = 30000;

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    /** Opens a stall window now, for `ms` milliseconds. */
    stallFor(ms) { stallUntil = Date.now() + ms; },
    /** Opens a stall window of `ms` milliseconds when the next request arrives (that request is held too). */
    stallAtNextRequest(ms) { stallAtNextRequestMs = ms; },
    /** A copy of the counters, and when the current (or last) stall window ends (epoch ms). */
    stats() { return { ...counts, stallUntil }; },
    /** Stops listening, drops held requests and closes all connections. */
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
