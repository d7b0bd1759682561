// A real HTTP CONNECT proxy on 127.0.0.1, as a VPC's egress proxy is to a Lambda function: it
// resolves the names it is asked for itself (from its own routes to loopback ports, so the
// extension's resolver never could), tunnels bytes without looking into them, optionally demands
// Basic credentials (407 otherwise) and refuses targets it does not know (403).
import http from 'node:http';
import net from 'node:net';

// A tunnel idle this long is closed: nothing outlives a test by much.
const IDLE_TIMEOUT_MS = 30000;

/**
 * Starts the proxy. `routes` maps "host:port" targets (lower-case) to loopback ports, e.g.
 * { 'kinesis.proxy-only.test:443': 40123 }; `credentials` ({ username, password }), when given,
 * must come in a Proxy-Authorization: Basic header with every CONNECT.
 * Returns { url, port, connects(target), stats(), close() }: connects(target) counts the CONNECTs
 * to that target, stats() every CONNECT, tunnel, refusal and request that was not a CONNECT.
 */
export async function startConnectProxy({ routes = {}, credentials } = {}) {
  const routeTable = new Map(Object.entries(routes).map(([target, port]) => [target.toLowerCase(), port]));
  const expectedAuthorization = credentials
    ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
    : null;
  const counts = {
    connects: {}, tunnels: 0, authRefused: 0, unknownTargets: 0, upstreamErrors: 0, notConnect: 0,
  };
  const open = new Set();
  const track = (socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy());
  };

  // Only CONNECT is served: a request in absolute form would mean the extension sent its
  // signed request to the proxy in the clear.
  const server = http.createServer((req, res) => {
    counts.notConnect += 1;
    res.writeHead(405, { 'content-type': 'text/plain', connection: 'close' });
    res.end('this proxy only tunnels (CONNECT)');
  });
  server.on('connection', track);
  server.on('connect', (req, clientSocket, head) => {
    const target = String(req.url).toLowerCase();
    counts.connects[target] = (counts.connects[target] ?? 0) + 1;
    if (expectedAuthorization && req.headers['proxy-authorization'] !== expectedAuthorization) {
      counts.authRefused += 1;
      refuse(clientSocket, '407 Proxy Authentication Required', 'Proxy-Authenticate: Basic realm="test"\r\n');
      return;
    }
    const port = routeTable.get(target);
    if (port === undefined) {
      counts.unknownTargets += 1;
      refuse(clientSocket, '403 Forbidden', '');
      return;
    }
    tunnel(clientSocket, head, port);
  });

  function tunnel(clientSocket, head, port) {
    const upstream = net.connect({ host: '127.0.0.1', port });
    track(upstream);
    let established = false;
    upstream.once('connect', () => {
      established = true;
      counts.tunnels += 1;
      clientSocket.write('HTTP/1.1 200 Connection established\r\nProxy-Agent: connect_proxy.mjs\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    upstream.once('error', () => {
      counts.upstreamErrors += 1;
      // Once tunnelling, the bytes are TLS: an HTTP answer would only be garbage in them.
      if (established) clientSocket.destroy();
      else refuse(clientSocket, '502 Bad Gateway', '');
    });
    upstream.once('close', () => clientSocket.destroy());
    clientSocket.once('close', () => upstream.destroy());
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects(target) { return counts.connects[target.toLowerCase()] ?? 0; },
    stats() {
      const total = Object.values(counts.connects).reduce((sum, n) => sum + n, 0);
      return { ...counts, connects: { ...counts.connects }, totalConnects: total, open: open.size };
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function refuse(socket, status, extraHeaders) {
  if (socket.destroyed) return;
  socket.end(`HTTP/1.1 ${status}\r\n${extraHeaders}Content-Length: 0\r\nConnection: close\r\n\r\n`);
}
