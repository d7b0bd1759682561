// One way to build the SDK's Kinesis client against kinesis-local, shared by the harness modules.
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Region the streams live in; kinesis-local namespaces streams by the region a request is signed for. */
export const DEFAULT_REGION = 'us-east-1';

/** Credentials kinesis-local accepts (it checks the signature's shape, not the secret), by env name. */
export const DUMMY_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIDTELEMETRYKINESIS',
  AWS_SECRET_ACCESS_KEY: 'telemetry-kinesis-local-secret',
  AWS_SESSION_TOKEN: 'telemetry-kinesis-local-session',
};

/**
 * A KinesisClient for `endpoint` (e.g. http://127.0.0.1:PORT).
 * NodeHttpHandler (HTTP/1.1) because the SDK's default HTTP/2 handler fails on plain HTTP.
 */
export function makeKinesisClient({ endpoint, region = DEFAULT_REGION, maxAttempts = 3, requestTimeoutMs = 5000 }) {
  return new KinesisClient({
    endpoint,
    region,
    // A fresh object per client: the SDK annotates the credentials object it is given.
    credentials: {
      accessKeyId: DUMMY_CREDENTIALS.AWS_ACCESS_KEY_ID,
      secretAccessKey: DUMMY_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
      sessionToken: DUMMY_CREDENTIALS.AWS_SESSION_TOKEN,
    },
    maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 2000, requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true,
    }),
  });
}
