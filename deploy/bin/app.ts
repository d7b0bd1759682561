// The CDK app: one TelemetryApiKinesisExtensionStack, configured by context values (cdk.json, or
// `-c name=value` on the command line): layerZipDir, functionArchitecture, streamEncryption,
// retainStream, archive, recordFormat, glacierAfterDays, glacierClass, expireAfterDays, health.
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { ARCHIVED_RECORD_FORMATS, ArchivedRecordFormat, GlacierClass } from '../lib/telemetry-archive';
import {
  LayerArchitecture, LAYER_ARCHITECTURES, StreamEncryptionChoice, TelemetryKinesisStack,
} from '../lib/telemetry-kinesis-stack';

const app = new App();

function choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const value = app.node.tryGetContext(name) ?? fallback;
  if (!allowed.includes(value)) {
    throw new Error(`context ${name}=${JSON.stringify(value)} is invalid: expected one of ${allowed.join(', ')}`);
  }
  return value;
}

function flag(name: string, fallback: boolean): boolean {
  const value = app.node.tryGetContext(name);
  if (value === undefined) return fallback;
  if (![true, false, 'true', 'false'].includes(value)) {
    throw new Error(`context ${name}=${JSON.stringify(value)} is invalid: expected true or false`);
  }
  return value === true || value === 'true';
}

function days(name: string): number | undefined {
  const value = app.node.tryGetContext(name);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) {
    throw new Error(`context ${name}=${JSON.stringify(value)} is invalid: expected a whole number of days`);
  }
  return number;
}

// Relative to deploy/ (where cdk runs), like the default "../build".
const layerZipDir = path.resolve(app.node.tryGetContext('layerZipDir') ?? '../build');

new TelemetryKinesisStack(app, 'TelemetryApiKinesisExtensionStack', {
  description: 'telemetry-kinesis: Kinesis stream, extension layers (x86_64, arm64), demo function, archive, queries, health',
  layerZipDir,
  functionArchitecture: choice<LayerArchitecture>('functionArchitecture', LAYER_ARCHITECTURES, 'arm64'),
  streamEncryption: choice<StreamEncryptionChoice>('streamEncryption', ['managed', 'customer'], 'managed'),
  retainStream: flag('retainStream', false),
  archive: flag('archive', true),
  recordFormat: choice<ArchivedRecordFormat>('recordFormat', ARCHIVED_RECORD_FORMATS, 'event'),
  glacierAfterDays: days('glacierAfterDays'),
  glacierClass: choice<GlacierClass>('glacierClass', ['instant', 'flexible'], 'instant'),
  expireAfterDays: days('expireAfterDays'),
  health: flag('health', true),
  // Environment-agnostic unless the caller's CLI credentials say otherwise: synth needs no account.
  env: process.env.CDK_DEFAULT_ACCOUNT
    ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
    : undefined,
});
