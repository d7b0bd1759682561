// Test certificate authorities made at test time with the openssl CLI: a CA and a server certificate
// it signed, for a TLS front on loopback. Nothing here is trusted outside the test's temp folder.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const VALID_DAYS = '2';

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Creates `<name>.key` and `<name>.crt` in `dir`: a self-signed CA (P-256). Returns the PEM paths. */
export function makeCa(dir, name, commonName) {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', VALID_DAYS, '-subj', `/CN=${commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return { key, cert, pem: readFileSync(cert, 'utf8') };
}

/**
 * Creates a server key and certificate for `hostnames` (and 127.0.0.1) signed by `ca`
 * (from makeCa). Returns { key, cert } as PEM text, ready for https.createServer.
 */
export function makeServerCert(dir, name, ca, hostnames) {
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const cert = path.join(dir, `${name}.crt`);
  const extensions = path.join(dir, `${name}.ext`);
  writeFileSync(extensions, [
    `subjectAltName=${[...hostnames.map((h) => `DNS:${h}`), 'IP:127.0.0.1'].join(',')}`,
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
  ].join('\n'));
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', csr, '-subj', `/CN=${hostnames[0]}`], dir);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', '1',
    '-days', VALID_DAYS, '-extfile', extensions, '-out', cert], dir);
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}
