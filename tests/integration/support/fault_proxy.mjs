// A fault-injection HTTP proxy on loopback in front of kinesis-local: per-record PutRecords failures,
// HTTP 5xx, throttling 400s, dropped connections (before and after forwarding), latency and outages,
// all driven by a seeded random source and counted, so tests can tell which duplicates were legitimate.
import http from 'node:http';
import cbor from 'cbor';
import { createCredentialsChecker, errorResponseFor } from './kinesis_auth.mjs';

export const RECORD_ERROR_MESSAGES = {
  ProvisionedThroughputExceededException: 'Rate exceeded for shard shardId-000000000000 (injected by fault proxy)',
  InternalFailure: 'Internal service failure (injected by fault proxy)',
};

// Request-level faults are dealt from a shuffled deck of this many slots: over every DECK_SLOTS
// requests each fault happens exactly round(rate x DECK_SLOTS) times, so even a short run meets
// every fault (independent draws could give none), and the order still depends on the seed only.
const DEFAULT_DECK_SLOTS = 40;
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const CBOR_CONTENT_TYPE = 'application/x-amz-cbor-1.1';

const PUT_RECORDS_TARGET_SUFFIX = '.PutRecords';
// Bodies above this are passed through untouched (PutRecords allows 5 MiB; JSON + base64 framing).
const MAX_REWRITE_BODY_BYTES = 8 * 1024 * 1024;

// The two encodings of the Kinesis API (the extension sends CBOR by default): requests are read
// and answers written in the encoding the client used. In CBOR, Data is a byte string (a Buffer).
const JSON_CODEC = {
  contentType: JSON_CONTENT_TYPE,
  decode: (body) => JSON.parse(body.toString('utf8')),
  encode: (value) => Buffer.from(JSON.stringify(value)),
  dataBase64: (data) => data,
};
const CBOR_CODEC = {
  contentType: CBOR_CONTENT_TYPE,
  decode: (body) => cbor.decodeFirstSync(body),
  // encodeOne with a high-water mark: cbor.encode() silently cuts its output at 16 KiB.
  encode: (value) => cbor.encodeOne(value, { highWaterMark: 2 * MAX_REWRITE_BODY_BYTES }),
  dataBase64: (data) => Buffer.from(data).toString('base64'),
};
const codecOf = (req) => ((req.headers['content-type'] ?? '').startsWith(CBOR_CONTENT_TYPE) ? CBOR_CODEC : JSON_CODEC);

const MAX_TIMELINE_ENTRIES = 2000;
const REQUEST_FAULTS = ['dropBefore', 'http500', 'http503', 'throttle', 'dropAfter', 'http408', 'signatureExpired'];
// Kinesis refuses a request signed more than 5 minutes away from its clock (observed wording:
// "Signature expired: 20190101T000000Z is now earlier than 20190101T000500Z (20190101T001000Z -
// 5 min.)", e.g. aws/aws-sdk-js#399 and aws-sdk-java#1216 for Kinesis; the AWS SDKs treat it as
// clock skew: @smithy/service-error-classification CLOCK_SKEW_ERROR_CODES).
const MAX_SIGNATURE_SKEW_MS = 5 * 60 * 1000;
// A deployment mistake, as Kinesis words it (observed, e.g. aws/aws-cdk#13036).
const ACCESS_DENIED_MESSAGE = 'User: arn:aws:sts::123456789012:assumed-role/telemetry-fn-role/telemetry-fn '
  + 'is not authorized to perform: kinesis:PutRecords on resource: '
  + 'arn:aws:kinesis:us-east-1:123456789012:stream/telemetry because no identity-based policy '
  + 'allows the kinesis:PutRecords action';

/** X-Amz-Date form (20261202T001000Z) of a time in ms. */
const amzDate = (ms) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
/** X-Amz-Date (20261202T001000Z) -> ms, NaN when unreadable. */
const parseAmzDate = (text = '') => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN;
};

/** A small, fast, seedable PRNG (mulberry32): returns a function giving uniform numbers in [0, 1). */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The shuffled deck of request-level fault kinds ('forward' for no fault) for `faults`. */
function dealDeck(faults, slots, random) {
  const deck = [];
  for (const kind of REQUEST_FAULTS) {
    const count = Math.round((faults[`${kind}Rate`] ?? 0) * slots);
    for (let i = 0; i < count; i += 1) deck.push(kind);
  }
  if (deck.length > slots) throw new Error(`fault proxy: request fault rates add up to more than 1`);
  while (deck.length < slots) deck.push('forward');
  for (let i = deck.length - 1; i > 0; i -= 1) {  // Fisher-Yates with the seeded source
    const j = Math.floor(random() * (i + 1));
    [deck[i], deck[j]] = [deck[j], deck[i]];
  }
  return deck;
}

async function readBody(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function errorBody(codec, type, message) {
  return codec.encode({ __type: type, message });
}

/**
 * Starts the proxy in front of `target` (http://127.0.0.1:PORT). `faults` (all optional, rates in [0, 1]):
 *   recordFailureRate     fraction of PutRecords entries answered with an ErrorCode (not forwarded)
 *   recordFailureCodes    ErrorCodes used in turn, default both documented ones
 *   http500Rate, http503Rate, throttleRate (400 with a throttling __type from throttleTypes),
 *   dropBeforeRate        connection closed without forwarding (nothing stored: no duplicate possible)
 *   dropAfterRate         request forwarded, upstream answered, then the connection is closed
 *                         (outcome unknown to the client: its retry may duplicate what was stored)
 *   latencyRate, latencyMs [min, max]   extra delay before handling a request
 *   http408Rate           a bare HTTP 408 (no body, no error type), as a front end sends it
 *   signatureExpiredRate  400 InvalidSignatureException "Signature expired: ..." (with a Date header)
 *   clockSkewMs           the service's clock runs this far from ours: a request whose X-Amz-Date is
 *                         more than 5 minutes off it gets "Signature expired", Date shows its clock
 * During an outage window nothing is forwarded and every connection is closed unanswered; during a
 * deny window (denyFor) every request is answered 400 AccessDeniedException (a missing grant).
 * `credentialsLedger`: the sandbox's --credentials-ledger file; each request's credentials are then
 * checked as AWS would (kinesis_auth.mjs) before anything else.
 * `resetIdleAfterMs`: a kept-alive connection idle longer than this is reset when the next request
 * arrives on it, as a NAT gateway or load balancer that forgot the flow during a freeze does
 * (observed by users of other extensions: "connection reset" on the first request after a thaw).
 * Returns { endpoint, port, setFaults(faults), outageFor(ms), outageAfter(delayMs, ms),
 *           denyFor(ms), denyAfter(delayMs, ms), stats(), close() }.
 */
export async function startFaultProxy({
  target, seed = 1, faults = {}, deckSlots = DEFAULT_DECK_SLOTS, credentialsLedger, resetIdleAfterMs,
}) {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const random = seededRandom(seed);
  let settings = {};
  let deck = [];
  let deckIndex = 0;
  let outage = { start: 0, end: 0, mode: 'refuse' };
  let deny = { start: 0, end: 0 };
  const checker = credentialsLedger ? createCredentialsChecker({ ledgerPath: credentialsLedger }) : null;
  const counts = {
    requests: 0, putRecordsRequests: 0, forwarded: 0, passedThrough: 0, synthesized: 0,
    dropBefore: 0, dropAfter: 0, http500: 0, http503: 0, throttle: 0, throttleByType: {},
    outageDropped: 0, latencyAdded: 0, latencyMsTotal: 0,
    recordsSeen: 0, recordsForwarded: 0, recordFailures: 0, recordFailuresByCode: {},
    // Records whose request reached kinesis-local but whose answer never reached the client
    // (dropAfter, or the client went away while we waited): the only legitimate duplicates.
    recordsForwardedThenLost: 0, clientGoneAfterForward: 0, upstreamErrors: 0,
    http408: 0, signatureExpired: 0, clockSkewRefused: 0, accessDenied: 0, authRefused: 0,
    authRefusedByType: {}, idleResets: 0,
  };
  const outcomeUnknownData = [];  // base64 Data of those records, for the tests' comparisons
  const timeline = [];  // what happened to each request (first MAX_TIMELINE_ENTRIES), for diagnostics
  const started = Date.now();
  const note = (what, detail = {}) => {
    if (timeline.length < MAX_TIMELINE_ENTRIES) timeline.push({ atMs: Date.now() - started, what, ...detail });
  };
  let recordCodeTurn = 0;
  let throttleTurn = 0;

  const setFaults = (next) => {
    settings = {
      recordFailureCodes: ['ProvisionedThroughputExceededException', 'InternalFailure'],
      throttleTypes: ['ProvisionedThroughputExceededException', 'ThrottlingException'],
      latencyMs: [0, 0],
      ...next,
    };
    deck = dealDeck(settings, deckSlots, random);
    deckIndex = 0;
  };
  setFaults(faults);

  const nextRequestFault = () => {
    const kind = deck[deckIndex];
    deckIndex += 1;
    if (deckIndex === deck.length) {
      deck = dealDeck(settings, deckSlots, random);
      deckIndex = 0;
    }
    return kind;
  };

  const respond = (res, codec, status, body) => {
    res.writeHead(status, { 'content-type': codec.contentType, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  /** Sends `body` upstream with the client's headers; resolves to { status, headers, body } or throws. */
  const sendUpstream = (req, body) => new Promise((resolve, reject) => {
    // Headers go through unchanged (the Host header is signed); only the length follows the body.
    const headers = { ...req.headers, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    const out = http.request({
      host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent,
    }, (upstreamRes) => {
      readBody(upstreamRes).then(
        (responseBody) => resolve({ status: upstreamRes.statusCode, headers: upstreamRes.headers, body: responseBody }),
        reject);
    });
    out.on('error', reject);
    out.end(body);
  });

  /** Splits a PutRecords body into the entries to forward and those to fail, by the seeded source. */
  const planRecords = (request) => {
    const failures = new Map();  // index -> ErrorCode
    const rate = settings.recordFailureRate ?? 0;
    request.Records.forEach((_, index) => {
      if (rate > 0 && random() < rate) {
        const codes = settings.recordFailureCodes;
        failures.set(index, codes[recordCodeTurn % codes.length]);
        recordCodeTurn += 1;
      }
    });
    return failures;
  };

  /** The client's view: upstream's results for forwarded entries, injected errors for the others. */
  const mergeResults = (codec, request, failures, upstreamResult) => {
    const forwardedResults = upstreamResult?.Records ?? [];
    let next = 0;
    const records = request.Records.map((_, index) => {
      const code = failures.get(index);
      if (code) return { ErrorCode: code, ErrorMessage: RECORD_ERROR_MESSAGES[code] ?? `${code} (injected)` };
      const result = forwardedResults[next];
      next += 1;
      return result;
    });
    const upstreamFailed = upstreamResult?.FailedRecordCount ?? 0;
    const merged = { ...(upstreamResult ?? {}), FailedRecordCount: upstreamFailed + failures.size, Records: records };
    return codec.encode(merged);
  };

  const forward = async (req, res, body, kind) => {
    const codec = codecOf(req);
    const isPutRecords = (req.headers['x-amz-target'] ?? '').endsWith(PUT_RECORDS_TARGET_SUFFIX);
    let request = null;
    if (isPutRecords && body.length <= MAX_REWRITE_BODY_BYTES) {
      try {
        request = codec.decode(body);
        if (!Array.isArray(request.Records)) request = null;
      } catch {
        request = null;  // not ours to judge: pass it through and let kinesis-local answer
      }
    }
    if (request) counts.putRecordsRequests += 1;
    const failures = request ? planRecords(request) : new Map();
    for (const code of failures.values()) {
      counts.recordFailures += 1;
      counts.recordFailuresByCode[code] = (counts.recordFailuresByCode[code] ?? 0) + 1;
    }
    const kept = request ? request.Records.filter((_, index) => !failures.has(index)) : [];
    if (request) counts.recordsSeen += request.Records.length;

    if (request && kept.length === 0) {
      // Every entry fails: nothing to store, answer for kinesis-local.
      if (kind === 'dropAfter') {
        counts.dropAfter += 1;
        note('dropAfter', { records: request.Records.length, forwarded: 0 });
        req.socket.destroy();
        return;
      }
      counts.synthesized += 1;
      note('allRecordsFailed', { records: request.Records.length });
      respond(res, codec, 200, mergeResults(codec, request, failures, { FailedRecordCount: 0, Records: [] }));
      return;
    }
    const upstreamBody = request && failures.size > 0 ? codec.encode({ ...request, Records: kept }) : body;
    let clientGone = false;
    res.on('close', () => { if (!res.writableFinished) clientGone = true; });
    let answer;
    try {
      counts.forwarded += 1;
      answer = await sendUpstream(req, upstreamBody);
    } catch (err) {
      counts.upstreamErrors += 1;
      note('upstreamError', { message: err.message });
      respond(res, codec, 502, errorBody(codec, 'FaultProxyUpstreamError', err.message));
      return;
    }
    const storedByUpstream = answer.status === 200 && request;
    if (storedByUpstream) counts.recordsForwarded += kept.length;
    const lost = kind === 'dropAfter' || clientGone || req.socket.destroyed;
    if (lost) {
      if (kind === 'dropAfter') counts.dropAfter += 1;
      else counts.clientGoneAfterForward += 1;
      note(kind === 'dropAfter' ? 'dropAfter' : 'clientGoneAfterForward',
        { records: request?.Records.length ?? 0, forwarded: kept.length, status: answer.status });
      if (storedByUpstream) {
        counts.recordsForwardedThenLost += kept.length;
        for (const entry of kept) outcomeUnknownData.push(codec.dataBase64(entry.Data));
      }
      req.socket.destroy();
      return;
    }
    note('forwarded', { records: request?.Records.length ?? 0, failed: failures.size, status: answer.status });
    if (storedByUpstream && failures.size > 0) {
      respond(res, codec, 200, mergeResults(codec, request, failures, codec.decode(answer.body)));
      return;
    }
    counts.passedThrough += 1;
    const headers = { ...answer.headers, 'content-length': String(answer.body.length) };
    delete headers['transfer-encoding'];
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  };

  const serviceNow = () => Date.now() + (settings.clockSkewMs ?? 0);
  /** 400 InvalidSignatureException "Signature expired", in Kinesis's words, with its Date. */
  const signatureExpired = (req, res, codec) => {
    const nowMs = serviceNow();
    const signed = req.headers['x-amz-date'] ?? amzDate(nowMs);
    const message = `Signature expired: ${signed} is now earlier than ${amzDate(nowMs - MAX_SIGNATURE_SKEW_MS)} `
      + `(${amzDate(nowMs)} - 5 min.)`;
    const answer = errorBody(codec, 'InvalidSignatureException', message);
    res.writeHead(400, {
      'content-type': codec.contentType, 'content-length': answer.length,
      date: new Date(nowMs).toUTCString(),
      'x-amzn-errortype': 'InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/',
    });
    res.end(answer);
  };

  const handle = async (req, res) => {
    counts.requests += 1;
    const body = await readBody(req);
    const now = Date.now();
    if (checker) {
      const verdict = await checker.check(req, body);
      if (verdict) {
        counts.authRefused += 1;
        counts.authRefusedByType[verdict.type] = (counts.authRefusedByType[verdict.type] ?? 0) + 1;
        note('authRefused', { type: verdict.type });
        const answer = errorResponseFor(req.headers['content-type'], verdict);
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
        return;
      }
    }
    if (settings.clockSkewMs !== undefined) {
      const signedAt = parseAmzDate(req.headers['x-amz-date']);
      if (!(Math.abs(signedAt - serviceNow()) <= MAX_SIGNATURE_SKEW_MS)) {
        counts.clockSkewRefused += 1;
        note('clockSkewRefused', { signed: req.headers['x-amz-date'] });
        signatureExpired(req, res, codecOf(req));
        return;
      }
    }
    if (now >= deny.start && now < deny.end) {
      counts.accessDenied += 1;
      note('accessDenied');
      const codec = codecOf(req);
      const denied = errorBody(codec, 'AccessDeniedException', ACCESS_DENIED_MESSAGE);
      res.writeHead(400, {
        'content-type': codec.contentType, 'content-length': denied.length,
        'x-amzn-errortype': 'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/',
      });
      res.end(denied);
      return;
    }
    if (now >= outage.start && now < outage.end) {
      counts.outageDropped += 1;
      note('outage', { mode: outage.mode });
      // 'blackhole': no answer until the outage ends, then the connection drops (a partitioned
      // network); 'refuse': the connection drops at once (a service that is down).
      if (outage.mode === 'blackhole') await sleep(outage.end - now);
      req.socket.destroy();
      return;
    }
    const kind = nextRequestFault();
    const codec = codecOf(req);
    if ((settings.latencyRate ?? 0) > 0 && random() < settings.latencyRate) {
      const [min, max] = settings.latencyMs;
      const delay = Math.round(min + random() * (max - min));
      counts.latencyAdded += 1;
      counts.latencyMsTotal += delay;
      await sleep(delay);
    }
    switch (kind) {
      case 'dropBefore':
        counts.dropBefore += 1;
        note('dropBefore');
        req.socket.destroy();
        return;
      case 'http500':
        counts.http500 += 1;
        note('http500');
        respond(res, codec, 500, errorBody(codec, 'InternalFailure', 'injected HTTP 500'));
        return;
      case 'http503':
        counts.http503 += 1;
        note('http503');
        respond(res, codec, 503, errorBody(codec, 'ServiceUnavailable', 'injected HTTP 503'));
        return;
      case 'http408':
        // A bare 408 from a front end: no body, no error type (Kinesis's own is
        // RequestTimeoutException; the status alone must be enough to retry).
        counts.http408 += 1;
        note('http408');
        res.writeHead(408, { 'content-length': 0 });
        res.end();
        return;
      case 'signatureExpired':
        counts.signatureExpired += 1;
        note('signatureExpired');
        signatureExpired(req, res, codec);
        return;
      case 'throttle': {
        const type = settings.throttleTypes[throttleTurn % settings.throttleTypes.length];
        throttleTurn += 1;
        counts.throttle += 1;
        note('throttle', { type });
        counts.throttleByType[type] = (counts.throttleByType[type] ?? 0) + 1;
        respond(res, codec, 400, errorBody(codec, type, 'Rate exceeded (injected HTTP 400)'));
        return;
      }
      default:
        await forward(req, res, body, kind);
    }
  };

  const server = http.createServer((req, res) => {
    if (resetIdleAfterMs !== undefined) {
      const socket = req.socket;
      const idleMs = socket.lastAnsweredAt === undefined ? 0 : Date.now() - socket.lastAnsweredAt;
      if (idleMs > resetIdleAfterMs) {
        counts.idleResets += 1;
        note('idleReset', { idleMs });
        socket.resetAndDestroy();
        return;
      }
      res.on('finish', () => { socket.lastAnsweredAt = Date.now(); });
    }
    handle(req, res).catch((err) => {
      counts.upstreamErrors += 1;
      if (!res.headersSent) respond(res, codecOf(req), 502, errorBody(codecOf(req), 'FaultProxyError', err.message));
      else req.socket.destroy();
    });
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
    /** Replaces the fault settings (and deals a new deck from the same seeded source). */
    setFaults,
    /**
     * Starts a total outage now, for `ms` milliseconds: nothing is forwarded, every connection is
     * dropped unanswered, at once (mode 'refuse') or when the outage ends ('blackhole').
     */
    outageFor(ms, mode = 'refuse') { outage = { start: Date.now(), end: Date.now() + ms, mode }; },
    /** Schedules such an outage of `ms` milliseconds to start in `delayMs`. */
    outageAfter(delayMs, ms, mode = 'refuse') {
      outage = { start: Date.now() + delayMs, end: Date.now() + delayMs + ms, mode };
    },
    /** Answers every request with 400 AccessDeniedException for `ms` milliseconds from now. */
    denyFor(ms) { deny = { start: Date.now(), end: Date.now() + ms }; },
    /** Schedules such a deny window of `ms` milliseconds to start in `delayMs`. */
    denyAfter(delayMs, ms) { deny = { start: Date.now() + delayMs, end: Date.now() + delayMs + ms }; },
    /**
     * A copy of the counters, the outage window, and `outcomeUnknownData`: the base64 Data of every
     * record stored by kinesis-local whose answer the client never received; `timeline`: each
     * request's fate with its time since the proxy started (the first MAX_TIMELINE_ENTRIES).
     */
    stats() {
      return {
        ...counts,
        throttleByType: { ...counts.throttleByType },
        authRefusedByType: { ...counts.authRefusedByType },
        auth: checker?.stats() ?? null,
        deny: { ...deny },
        recordFailuresByCode: { ...counts.recordFailuresByCode },
        outage: { ...outage },
        outcomeUnknownData: [...outcomeUnknownData],
        timeline: timeline.map((entry) => ({ ...entry })),
      };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
