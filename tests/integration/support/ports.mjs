// Free TCP ports on loopback for the servers a test starts (kinesis-local, the extension's listener).
import net from 'node:net';

/** Returns `count` distinct ports that were free on 127.0.0.1 a moment ago (all held open at once). */
export async function freePorts(count = 1) {
  const servers = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const server = net.createServer();
      servers.push(server);
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((server) => server.address().port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(() => resolve()))));
  }
}

/** Returns one free loopback port. */
export async function freePort() {
  const [port] = await freePorts(1);
  return port;
}
