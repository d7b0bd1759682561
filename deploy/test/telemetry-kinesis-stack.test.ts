// The synthesized TelemetryApiKinesisExtensionStack: the stream, layers and demo function, their
// policy scope, environment and outputs (the archive, queries and health constructs have their own
// test file, telemetry-constructs.test.ts).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  LAYER_ARCHITECTURES, LayerArchitecture, StreamEncryptionChoice, TelemetryKinesisStack, layerZipName,
} from '../lib/telemetry-kinesis-stack';
import { Resource, policiesOfRole, resourcesOf, statementsOfRole } from './template-helpers';

// Stand-in layer zips: the stack only packages them as assets, so any bytes will do.
const zipDir = fs.mkdtempSync(path.join(os.tmpdir(), 'telemetry-kinesis-cdk-test-'));
for (const architecture of LAYER_ARCHITECTURES) {
  fs.writeFileSync(path.join(zipDir, layerZipName(architecture)), `stand-in layer for ${architecture}`);
}
after(() => fs.rmSync(zipDir, { recursive: true, force: true }));

function synth(options: { functionArchitecture?: LayerArchitecture; streamEncryption?: StreamEncryptionChoice } = {}) {
  const app = new App({ outdir: fs.mkdtempSync(path.join(zipDir, 'cdk.out-')) });
  const stack = new TelemetryKinesisStack(app, 'TelemetryApiKinesisExtensionStack', { layerZipDir: zipDir, ...options });
  return { stack, template: Template.fromStack(stack) };
}

const logicalIdOf = (template: Template, type: string, props: object = {}): string => {
  const ids = Object.keys(template.findResources(type, { Properties: props }));
  assert.equal(ids.length, 1, `expected one ${type} matching ${JSON.stringify(props)}, found ${ids.length}`);
  return ids[0];
};
const statementsOf = (template: Template) =>
  resourcesOf(template, 'AWS::IAM::Policy').flatMap(([, policy]) => policy.Properties!.PolicyDocument.Statement);
/** The demo function's role and the policies attached to it. */
const functionRoleOf = (template: Template): string =>
  (Object.values(template.findResources('AWS::Lambda::Function'))[0] as Resource).Properties!.Role['Fn::GetAtt'][0];
const functionPoliciesOf = (template: Template) => policiesOfRole(template, functionRoleOf(template));
const functionStatementsOf = (template: Template) => statementsOfRole(template, functionRoleOf(template));

describe('default stack (arm64 function, AWS-managed stream key)', () => {
  const { template } = synth();

  test('creates an on-demand stream encrypted with the AWS-managed Kinesis key', () => {
    template.resourceCountIs('AWS::Kinesis::Stream', 1);
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      RetentionPeriodHours: 24,
    });
    template.resourceCountIs('AWS::KMS::Key', 0);
  });

  test('publishes one layer version per architecture, usable by every runtime', () => {
    template.resourceCountIs('AWS::Lambda::LayerVersion', 2);
    for (const architecture of LAYER_ARCHITECTURES) {
      const [, layer] = resourcesOf(template, 'AWS::Lambda::LayerVersion')
        .find(([, l]) => l.Properties!.LayerName === `telemetry-kinesis-${architecture}`)!;
      assert.deepEqual(layer.Properties!.CompatibleArchitectures, [architecture]);
      assert.equal(layer.Properties!.CompatibleRuntimes, undefined);
      assert.ok(layer.Properties!.Content.S3Key, 'the layer zip is not an asset');
    }
  });

  test('the demo function runs on arm64 with the arm64 layer, the stream ARN in TELEMETRY_KINESIS_STREAM and EMF metrics on', () => {
    const streamId = logicalIdOf(template, 'AWS::Kinesis::Stream');
    const arm64Layer = logicalIdOf(template, 'AWS::Lambda::LayerVersion', { LayerName: 'telemetry-kinesis-arm64' });
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Architectures: ['arm64'],
      Layers: [{ Ref: arm64Layer }],
      Environment: { Variables: { TELEMETRY_KINESIS_STREAM: { 'Fn::GetAtt': [streamId, 'Arn'] }, TELEMETRY_KINESIS_METRICS: 'emf' } },
    });
  });

  test('the function\'s own role may call kinesis:PutRecords on exactly the stream, and nothing else is added', () => {
    const streamId = logicalIdOf(template, 'AWS::Kinesis::Stream');
    assert.equal(functionPoliciesOf(template).length, 1, 'one policy on the function\'s role');
    assert.deepEqual(functionStatementsOf(template), [{
      Sid: 'TelemetryKinesisPutRecords',
      Effect: 'Allow',
      Action: 'kinesis:PutRecords',
      Resource: { 'Fn::GetAtt': [streamId, 'Arn'] },
    }]);
    // The role otherwise has only Lambda's basic logging policy.
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('AWSLambdaBasicExecutionRole')])]) })],
    });
  });

  test('no statement anywhere uses a wildcard action or resource', () => {
    const text = JSON.stringify(statementsOf(template));
    assert.doesNotMatch(text, /"Action":"[^"]*\*/);
    assert.doesNotMatch(text, /"Resource":"\*"/);
  });

  test('outputs the layer ARNs and the stream name', () => {
    const layerIds = Object.fromEntries(LAYER_ARCHITECTURES.map((a) => [a,
      logicalIdOf(template, 'AWS::Lambda::LayerVersion', { LayerName: `telemetry-kinesis-${a}` })]));
    template.hasOutput('LayerArnX8664', { Value: { Ref: layerIds.x86_64 } });
    template.hasOutput('LayerArnArm64', { Value: { Ref: layerIds.arm64 } });
    template.hasOutput('StreamName', { Value: { Ref: logicalIdOf(template, 'AWS::Kinesis::Stream') } });
    template.hasOutput('StreamArn', Match.anyValue());
    template.hasOutput('DemoFunctionName', Match.anyValue());
  });
});

describe('options', () => {
  test('an x86_64 function gets the x86_64 layer', () => {
    const { template } = synth({ functionArchitecture: 'x86_64' });
    const x86Layer = logicalIdOf(template, 'AWS::Lambda::LayerVersion', { LayerName: 'telemetry-kinesis-x86_64' });
    template.hasResourceProperties('AWS::Lambda::Function', { Architectures: ['x86_64'], Layers: [{ Ref: x86Layer }] });
  });

  test('a customer-managed key encrypts the stream and the role may use exactly that key for GenerateDataKey', () => {
    const { template } = synth({ streamEncryption: 'customer' });
    const keyId = logicalIdOf(template, 'AWS::KMS::Key');
    const streamId = logicalIdOf(template, 'AWS::Kinesis::Stream');
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    });
    assert.deepEqual(functionStatementsOf(template), [
      { Sid: 'TelemetryKinesisPutRecords', Effect: 'Allow', Action: 'kinesis:PutRecords', Resource: { 'Fn::GetAtt': [streamId, 'Arn'] } },
      { Sid: 'TelemetryKinesisStreamKey', Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    ]);
  });

  test('a missing layer zip is reported with the command that builds it', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(zipDir, 'cdk.out-')) });
    assert.throws(
      () => new TelemetryKinesisStack(app, 'Stack', { layerZipDir: path.join(zipDir, 'nowhere') }),
      /telemetry-kinesis-layer-x86_64\.zip does not exist: build the layers first \(cmake --build build --target layer\)/);
  });
});
