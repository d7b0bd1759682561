// The Kinesis side's stand-in for IAM/STS: decides, as AWS would, whether a request's SigV4
// credentials are valid, from the ledger lambda-sandbox writes (--credentials-ledger: one JSON
// line per set issued or revoked). kinesis-local checks only the signature's shape, so without
// this any credentials pass.
//
// Kinesis' answers (HTTP 400, JSON or CBOR like any Kinesis error, __type + message):
//   ExpiredTokenException       "The security token included in the request is expired"
//                               (observed from Kinesis PutRecords: awslabs/amazon-kinesis-producer#49,
//                               vectordotdev/vector#18491, both HTTP 400)
//   UnrecognizedClientException "The security token included in the request is invalid."
//                               (observed from Kinesis: awslabs/amazon-kinesis-scaling-utils#46,
//                               "Status Code: 400"; AWS says it of an unknown or revoked key)
//   InvalidSignatureException   "The request signature we calculated does not match the signature
//                               you provided. Check your AWS Secret Access Key and signing method.
//                               Consult the service documentation for details." (observed from
//                               Kinesis: apache/camel-k#1608, "Status Code: 400")
//   IncompleteSignatureException for an Authorization header that is not SigV4's shape
//                               (observed, 400, from a JSON-protocol service: iann0036/cloud9-sync#10)
//   MissingAuthenticationTokenException "Request is missing Authentication Token" without one
//                               (as dynalite, a DynamoDB emulator, answers: architect/dynalite#105)
// The AWS "Common Errors" pages list ExpiredTokenException with 403 for newer services; Kinesis,
// an older JSON service, is observed answering 400, so 400 it is here.
// The error type also goes in the x-amzn-ErrorType header, in the form AWS's front end uses,
// "<Type>:http://internal.amazon.com/coral/com.amazon.coral.service/" (observed; the SDKs keep
// what precedes the first ':', e.g. smithy-rs sanitize_error_code, aws-amplify parseJsonError).
//
// A proxy in front of kinesis-local calls it once per request, before anything else:
//   const checker = createCredentialsChecker({ ledgerPath });
//   const found = await checker.check(req, body);  // body: the whole request body, a Buffer
//   if (found) {
//     const { status, headers, body: errorBody } = errorResponseFor(req.headers['content-type'], found);
//     res.writeHead(status, headers);
//     res.end(errorBody);
//     return;  // not forwarded: AWS stores nothing for a request it does not authenticate
//   }
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import cbor from 'cbor';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
export const CBOR_CONTENT_TYPE = 'application/x-amz-cbor-1.1';
const ERROR_TYPE_SUFFIX = ':http://internal.amazon.com/coral/com.amazon.coral.service/';

export const AUTH_ERRORS = {
  ExpiredTokenException: 'The security token included in the request is expired',
  UnrecognizedClientException: 'The security token included in the request is invalid.',
  InvalidSignatureException: 'The request signature we calculated does not match the signature you '
    + 'provided. Check your AWS Secret Access Key and signing method. Consult the service '
    + 'documentation for details.',
  IncompleteSignatureException: 'Authorization header is not a valid AWS4-HMAC-SHA256 header',
  MissingAuthenticationTokenException: 'Request is missing Authentication Token',
};

// AWS4-HMAC-SHA256 Credential=AKID/YYYYMMDD/region/service/aws4_request, SignedHeaders=a;b, Signature=hex
const AUTHORIZATION_PATTERN = new RegExp(
  '^AWS4-HMAC-SHA256 Credential=([^/\\s,]+)/(\\d{8})/([^/\\s,]+)/([^/\\s,]+)/aws4_request,\\s*'
  + 'SignedHeaders=([a-z0-9-;]+),\\s*Signature=([0-9a-f]{64})$');
const AMZ_DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

const verdict = (type) => ({ status: 400, type, message: AUTH_ERRORS[type] });

/** An error body in the request's encoding: JSON for x-amz-json-1.1, CBOR for x-amz-cbor-1.1. */
export function errorBodyFor(contentType, type, message) {
  const value = { __type: type, message };
  if ((contentType ?? '').startsWith(CBOR_CONTENT_TYPE)) return cbor.encodeOne(value);
  return Buffer.from(JSON.stringify(value));
}

/**
 * The whole answer for a verdict of check(): { status, headers, body } to write with
 * res.writeHead(status, headers) and res.end(body); `contentType` is the request's Content-Type.
 */
export function errorResponseFor(contentType, { status, type, message }) {
  const body = errorBodyFor(contentType, type, message);
  const cborRequest = (contentType ?? '').startsWith(CBOR_CONTENT_TYPE);
  return {
    status,
    headers: {
      'content-type': cborRequest ? CBOR_CONTENT_TYPE : JSON_CONTENT_TYPE,
      'content-length': String(body.length),
      'x-amzn-errortype': `${type}${ERROR_TYPE_SUFFIX}`,
    },
    body,
  };
}

/** The ledger as a Map accessKeyId -> { secretAccessKey, sessionToken, expiresAtMs, revokedAtMs }. */
function ledgerReader(ledgerPath) {
  const sets = new Map();
  let consumed = 0;  // bytes up to the last complete line already applied
  const apply = (event) => {
    if (event.event === 'issued') {
      sets.set(event.accessKeyId, {
        secretAccessKey: event.secretAccessKey,
        sessionToken: event.sessionToken ?? null,
        expiresAtMs: event.expiresAtMs ?? null,
        revokedAtMs: null,
      });
    } else if (event.event === 'revoked' && sets.has(event.accessKeyId)) {
      sets.get(event.accessKeyId).revokedAtMs = event.atMs;
    }
  };
  return () => {
    let size;
    try {
      size = statSync(ledgerPath).size;
    } catch {
      return sets;  // not written yet: nothing is valid
    }
    if (size < consumed) {  // truncated: a new sandbox run started over
      sets.clear();
      consumed = 0;
    }
    if (size === consumed) return sets;
    // The sandbox appends whole lines; a line still being written waits for the next call.
    const text = readFileSync(ledgerPath).subarray(consumed).toString('utf8');
    const end = text.lastIndexOf('\n');
    if (end < 0) return sets;
    for (const line of text.slice(0, end).split('\n')) {
      if (line.trim().length > 0) apply(JSON.parse(line));
    }
    consumed += Buffer.byteLength(text.slice(0, end + 1));
    return sets;
  };
}

function parseAmzDate(text) {
  const m = AMZ_DATE_PATTERN.exec(text ?? '');
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : null;
}

/** The request as SignatureV4 signs it, restricted to the headers the client signed. */
function signableRequest(req, body, signedHeaders) {
  const [path, search = ''] = req.url.split('?');
  const query = {};
  for (const [key, value] of new URLSearchParams(search)) query[key] = value;
  const headers = {};
  for (const name of signedHeaders) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return { method: req.method, protocol: 'http:', hostname: 'localhost', path, query, headers, body };
}

async function signatureMatches({ req, body, parsed, set }) {
  const signedHeaders = parsed.signedHeaders.split(';');
  const signingDate = parseAmzDate(req.headers['x-amz-date']);
  if (!signingDate) return false;
  // A signed x-amz-content-sha256 stands for the body in the signature: it must be the body's.
  const declaredHash = req.headers['x-amz-content-sha256'];
  if (declaredHash !== undefined && declaredHash !== createHash('sha256').update(body).digest('hex')) {
    return false;
  }
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: parsed.accessKeyId,
      secretAccessKey: set.secretAccessKey,
      sessionToken: set.sessionToken ?? undefined,
    },
    region: parsed.region,
    service: parsed.service,
    sha256: Hash.bind(null, 'sha256'),
    // SigV4 leaves x-amz-content-sha256 to the client (S3 requires it, Kinesis does not): the
    // signer must not add it to what it re-signs when the client did not sign it.
    applyChecksum: signedHeaders.includes('x-amz-content-sha256'),
  });
  // The signer adds x-amz-date and x-amz-security-token itself; leave them out unless signed.
  const added = ['x-amz-date', 'x-amz-security-token'].filter((name) => !signedHeaders.includes(name));
  const signed = await signer.sign(signableRequest(req, body, signedHeaders), {
    signingDate,
    signableHeaders: new Set(signedHeaders),
    unsignableHeaders: new Set(added),
  });
  const match = AUTHORIZATION_PATTERN.exec(signed.headers.authorization);
  return match !== null && match[5] === parsed.signedHeaders && match[6] === parsed.signature;
}

/**
 * A checker over the ledger at `ledgerPath` (re-read whenever it grew). `now` gives the time in
 * epoch ms (injectable for tests). Returns:
 *   check(req, body) -> Promise<null | { status: 400, type, message }>: null when the request's
 *     credentials are valid and its signature right; `req` is a node IncomingMessage (method, url,
 *     lower-cased headers), `body` the whole request body as a Buffer.
 *   stats() -> { checked, accepted, rejected: { [type]: n } }
 */
export function createCredentialsChecker({ ledgerPath, now = Date.now }) {
  const readLedger = ledgerReader(ledgerPath);
  const counts = { checked: 0, accepted: 0, rejected: {}, acceptedByKey: {} };
  let lastKey = null;
  const judge = async (req, body) => {
    const authorization = req.headers.authorization;
    if (!authorization) return verdict('MissingAuthenticationTokenException');
    const m = AUTHORIZATION_PATTERN.exec(authorization);
    if (!m) return verdict('IncompleteSignatureException');
    const parsed = {
      accessKeyId: m[1], date: m[2], region: m[3], service: m[4], signedHeaders: m[5], signature: m[6],
    };
    lastKey = parsed.accessKeyId;
    const set = readLedger().get(parsed.accessKeyId);
    const token = req.headers['x-amz-security-token'] ?? null;
    // An unknown key, a token that is not the key's, or a revoked set: IAM does not know it.
    if (!set || token !== set.sessionToken || set.revokedAtMs !== null) {
      return verdict('UnrecognizedClientException');
    }
    if (set.expiresAtMs !== null && now() > set.expiresAtMs) return verdict('ExpiredTokenException');
    const ok = await signatureMatches({ req, body: body ?? Buffer.alloc(0), parsed, set });
    return ok ? null : verdict('InvalidSignatureException');
  };
  return {
    async check(req, body) {
      counts.checked += 1;
      const result = await judge(req, body);
      if (result) counts.rejected[result.type] = (counts.rejected[result.type] ?? 0) + 1;
      else {
        counts.accepted += 1;
        counts.acceptedByKey[lastKey] = (counts.acceptedByKey[lastKey] ?? 0) + 1;
      }
      return result;
    },
    stats: () => ({ ...counts, rejected: { ...counts.rejected }, acceptedByKey: { ...counts.acceptedByKey } }),
  };
}
