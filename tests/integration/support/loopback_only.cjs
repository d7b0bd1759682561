// Preloaded into kinesis-local (node --require) so that it listens on loopback only.
//
// kinesis-local 0.6.2 has no listen-address setting: it binds the wildcard address
// (0.0.0.0 / ::) hard-coded, and for a wildcard host it calls server.listen(port, callback).
// This shim rewrites exactly that call shape to listen on 127.0.0.1; any other call is untouched.
'use strict';
const net = require('node:net');

const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function')) {
    return originalListen.call(this, args[0], '127.0.0.1', ...args.slice(1));
  }
  return originalListen.apply(this, args);
};
