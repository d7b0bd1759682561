// Checks what `cdk synth` of the demo app (deploy.cdk_synth) wrote: every part of the stack is in
// the template. Usage: node synth-contents.mjs <cdk.out directory>
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const template = JSON.parse(readFileSync(path.join(process.argv[2], 'TelemetryApiKinesisExtensionStack.template.json'), 'utf8'));
const count = (type) => Object.values(template.Resources).filter((r) => r.Type === type).length;
const expected = {
  'AWS::Kinesis::Stream': 1,                   // the stream
  'AWS::Lambda::LayerVersion': 2,              // both layers
  'AWS::Lambda::Function': 1,                  // the demo function
  'AWS::KinesisFirehose::DeliveryStream': 1,   // the delivery to S3
  'AWS::S3::Bucket': 1,                        // the archive, with its lifecycle
  'AWS::Glue::Table': 1,                       // the table
  'AWS::Athena::NamedQuery': 4,                // the queries
  'AWS::CloudWatch::Dashboard': 1,             // the dashboard
  'AWS::CloudWatch::Alarm': 2,                 // dropped events, throttling
};
for (const [type, n] of Object.entries(expected)) assert.equal(count(type), n, type);
const statements = Object.values(template.Resources).filter((r) => r.Type === 'AWS::IAM::Policy')
  .flatMap((p) => p.Properties.PolicyDocument.Statement);
assert.ok(statements.some((s) => s.Sid === 'TelemetryKinesisPutRecords' && s.Action === 'kinesis:PutRecords'), 'the PutRecords grant');
const bucket = Object.values(template.Resources).find((r) => r.Type === 'AWS::S3::Bucket');
assert.ok(bucket.Properties.LifecycleConfiguration.Rules.some((r) => r.Transitions?.length), 'the archive lifecycle');
console.log(`synth-contents: ${Object.keys(template.Resources).length} resources, every part present`);
