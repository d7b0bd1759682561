// The CDK app: one TelemetryApiKinesisExtensionStack, configured by context values (cdk.json, or
// `-c name=value` on the command line): layerZipDir, functionArchitecture, streamEncryption, retainStream.
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
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

// Relative to deploy/ (where cdk runs), like the default "../build".
const layerZipDir = path.resolve(app.node.tryGetContext('layerZipDir') ?? '../build');

new TelemetryKinesisStack(app, 'TelemetryApiKinesisExtensionStack', {
  description: 'telemetry-kinesis: Kinesis stream, extension layers (x86_64, arm64), demo function',
  layerZipDir,
  functionArchitecture: choice<LayerArchitecture>('functionArchitecture', LAYER_ARCHITECTURES, 'arm64'),
  streamEncryption: choice<StreamEncryptionChoice>('streamEncryption', ['managed', 'customer'], 'managed'),
  retainStream: ['true', true].includes(app.node.tryGetContext('retainStream')),
  // Environment-agnostic unless the caller's CLI credentials say otherwise: synth needs no account.
  env: process.env.CDK_DEFAULT_ACCOUNT
    ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
    : undefined,
});
