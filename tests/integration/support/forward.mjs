// What the pass-through test proxies in front of kinesis-local share: forward one request to a
// plain-HTTP upstream unchanged and stream its answer back.
import http from 'node:http';

/**
 * Forwards `req` to `upstream` (a URL) through `agent` and pipes the answer into `res`. On an
 * upstream error it calls `onError(err)` and answers 502 with "<who>: <message>".
 */
export function forwardRequest({ req, res, upstream, agent, who, onError }) {
  // Headers go through unchanged: the Host header is part of the client's SigV4 signature.
  const out = http.request({
    host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent,
  }, (upstreamRes) => {
    res.writeHead(upstreamRes.statusCode, upstreamRes.headers);
    upstreamRes.pipe(res);
  });
  out.on('error', (err) => {
    onError?.(err);
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`${who}: ${err.message}`);
  });
  req.pipe(out);
}
