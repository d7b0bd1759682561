// A TLS front on loopback: terminates HTTPS with a test certificate and forwards each request to a
// plain-HTTP target (kinesis-local's plain port), as a real HTTPS Kinesis endpoint would answer.
import http from 'node:http';
import https from 'node:https';
import { forwardRequest } from './forward.mjs';

/**
 * Starts the front with `key`/`cert` (PEM) in front of `target` (http://127.0.0.1:PORT).
 * Returns { port, stats(), close() }. stats() counts requests forwarded and TLS handshakes that
 * failed, with the failure messages (e.g. the client's "unknown ca" alert).
 */
export async function startTlsFront({ key, cert, target }) {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const counts = { requests: 0, upstreamErrors: 0, tlsErrors: 0, tlsErrorMessages: [] };

  const server = https.createServer({ key, cert }, (req, res) => {
    counts.requests += 1;
    forwardRequest({
      req, res, upstream, agent, who: 'tls front', onError: () => { counts.upstreamErrors += 1; },
    });
  });
  server.on('tlsClientError', (err) => {
    counts.tlsErrors += 1;
    if (counts.tlsErrorMessages.length < 20) counts.tlsErrorMessages.push(err.message);
  });
  server.keepAliveTimeout = 30000;

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    stats() { return { ...counts, tlsErrorMessages: [...counts.tlsErrorMessages] }; },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
