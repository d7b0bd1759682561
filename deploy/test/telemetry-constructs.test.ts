// The constructs beside the demo: TelemetryKinesis on existing functions, the archive (Firehose to
// S3 with its lifecycle), the Glue table and Athena queries (each query parsed and checked against
// the table's columns), and the health dashboard and alarms; every role's rights, exactly.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
// The Trino grammar: Athena engine version 3 is built on Trino.
import { Parser } from 'node-sql-parser/build/trino';
import { EVENT_FIELDS, PARTITION_COLUMNS, TABLE_COLUMNS, namedQueries } from '../lib/athena-queries';
import { TelemetryArchive } from '../lib/telemetry-archive';
import { DROP_METRICS } from '../lib/telemetry-health';
import { LAYER_ARCHITECTURES, TelemetryKinesis, layerZipName } from '../lib/telemetry-kinesis';
import { TelemetryQueries } from '../lib/telemetry-queries';
import { TelemetryKinesisStack } from '../lib/telemetry-kinesis-stack';
import { Resource, resourcesOf, statementsOfRole } from './template-helpers';

const zipDir = fs.mkdtempSync(path.join(os.tmpdir(), 'telemetry-kinesis-constructs-test-'));
for (const architecture of LAYER_ARCHITECTURES) {
  fs.writeFileSync(path.join(zipDir, layerZipName(architecture)), `stand-in layer for ${architecture}`);
}
after(() => fs.rmSync(zipDir, { recursive: true, force: true }));

const only = (template: Template, type: string): [string, Resource] => {
  const found = resourcesOf(template, type);
  assert.equal(found.length, 1, `one ${type}, found ${found.length}`);
  return found[0];
};
const newApp = () => new App({ outdir: fs.mkdtempSync(path.join(zipDir, 'cdk.out-')) });

function existingFunction(stack: Stack, id: string, architecture: lambda.Architecture): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_20_X,
    architecture,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({});'),
    environment: { APP_SETTING: id },
  });
}

describe('TelemetryKinesis on two existing functions of different architectures', () => {
  const stack = new Stack(newApp(), 'ExistingFunctions');
  const x86 = existingFunction(stack, 'OrdersX86', lambda.Architecture.X86_64);
  const arm = existingFunction(stack, 'BillingArm', lambda.Architecture.ARM_64);
  const telemetry = new TelemetryKinesis(stack, 'Telemetry', { functions: [x86, arm], layerZipDir: zipDir });
  const template = Template.fromStack(stack);
  const streamId = only(template, 'AWS::Kinesis::Stream')[0];
  const layerId = (architecture: string) => resourcesOf(template, 'AWS::Lambda::LayerVersion')
    .find(([, l]) => l.Properties!.LayerName === `telemetry-kinesis-${architecture}`)![0];
  const functionOf = (id: string) => resourcesOf(template, 'AWS::Lambda::Function')
    .find(([logicalId]) => logicalId.startsWith(id))![1];

  test('creates a stream when none is given: on-demand, AWS-managed key, 24 h', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      RetentionPeriodHours: 24,
    });
    assert.equal(telemetry.functions.length, 2);
  });

  for (const [id, architecture] of [['OrdersX86', 'x86_64'], ['BillingArm', 'arm64']] as const) {
    test(`${id} gets the ${architecture} layer, the variables and its own settings kept`, () => {
      const fn = functionOf(id);
      assert.deepEqual(fn.Properties!.Layers, [{ Ref: layerId(architecture) }]);
      assert.deepEqual(fn.Properties!.Environment.Variables, {
        APP_SETTING: id,
        TELEMETRY_KINESIS_STREAM: { 'Fn::GetAtt': [streamId, 'Arn'] },
        TELEMETRY_KINESIS_METRICS: 'emf',
      });
    });

    test(`${id}'s role gets kinesis:PutRecords on exactly the stream, and nothing else`, () => {
      const roleId = functionOf(id).Properties!.Role['Fn::GetAtt'][0];
      assert.deepEqual(statementsOfRole(template, roleId), [{
        Sid: 'TelemetryKinesisPutRecords', Effect: 'Allow', Action: 'kinesis:PutRecords',
        Resource: { 'Fn::GetAtt': [streamId, 'Arn'] },
      }]);
    });
  }

  test('adds nothing else: two layers, one stream, the two policies', () => {
    const types = Object.values(template.toJSON().Resources as Record<string, Resource>).map((r) => r.Type).sort();
    assert.deepEqual(types, [
      'AWS::IAM::Policy', 'AWS::IAM::Policy', 'AWS::IAM::Role', 'AWS::IAM::Role', 'AWS::Kinesis::Stream',
      'AWS::Lambda::Function', 'AWS::Lambda::Function', 'AWS::Lambda::LayerVersion', 'AWS::Lambda::LayerVersion',
    ]);
  });

  test('takes a given stream and refuses settings that are not the extension\'s', () => {
    const other = new Stack(newApp(), 'GivenStream');
    const stream = new kinesis.Stream(other, 'Existing');
    const fn = existingFunction(other, 'Fn', lambda.Architecture.ARM_64);
    new TelemetryKinesis(other, 'T', {
      functions: [fn], stream, layerZipDir: zipDir, emfMetrics: false,
      environment: { TELEMETRY_KINESIS_RECORD_FORMAT: 'kpl' },
    });
    const t = Template.fromStack(other);
    t.resourceCountIs('AWS::Kinesis::Stream', 1);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.exact({
        APP_SETTING: 'Fn', TELEMETRY_KINESIS_RECORD_FORMAT: 'kpl',
        TELEMETRY_KINESIS_STREAM: { 'Fn::GetAtt': [only(t, 'AWS::Kinesis::Stream')[0], 'Arn'] },
      }) },
    });
    assert.throws(() => new TelemetryKinesis(new Stack(newApp(), 'Bad'), 'T', {
      layerZipDir: zipDir, environment: { AWS_REGION: 'eu-west-1' },
    }), /AWS_REGION is not an extension setting/);
  });
});

describe('the demo stack with the archive, queries and health (defaults)', () => {
  const stack = new TelemetryKinesisStack(newApp(), 'Demo', { layerZipDir: zipDir });
  const template = Template.fromStack(stack);
  const streamId = only(template, 'AWS::Kinesis::Stream')[0];
  const [bucketId] = only(template, 'AWS::S3::Bucket');
  const [, delivery] = only(template, 'AWS::KinesisFirehose::DeliveryStream');
  const destination = delivery.Properties!.ExtendedS3DestinationConfiguration;
  const firehoseRoleId = delivery.Properties!.KinesisStreamSourceConfiguration.RoleARN['Fn::GetAtt'][0];

  test('Firehose reads the stream and writes gzip NDJSON partitioned by function and day', () => {
    assert.equal(delivery.Properties!.DeliveryStreamType, 'KinesisStreamAsSource');
    assert.deepEqual(delivery.Properties!.KinesisStreamSourceConfiguration.KinesisStreamARN, { 'Fn::GetAtt': [streamId, 'Arn'] });
    assert.deepEqual(destination.BucketARN, { 'Fn::GetAtt': [bucketId, 'Arn'] });
    assert.equal(destination.Prefix, 'telemetry/function_name=!{partitionKeyFromQuery:function_name}/dt=!{timestamp:yyyy-MM-dd}/');
    assert.match(destination.ErrorOutputPrefix, /^errors\/!\{firehose:error-output-type\}\//);
    assert.equal(destination.CompressionFormat, 'GZIP');
    assert.equal(destination.DynamicPartitioningConfiguration.Enabled, true);
    // Dynamic partitioning needs a buffer of at least 64 MiB (Firehose guide, "Buffering hints").
    assert.ok(destination.BufferingHints.SizeInMBs >= 64);
    const processors = destination.ProcessingConfiguration.Processors.map((p: any) => p.Type);
    assert.deepEqual(processors, ['MetadataExtraction', 'AppendDelimiterToRecord'], 'event records need no de-aggregation');
    assert.deepEqual(destination.ProcessingConfiguration.Processors[0].Parameters, [
      { ParameterName: 'MetadataExtractionQuery', ParameterValue: '{function_name: .function}' },
      { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
    ]);
  });

  test('the bucket is encrypted, private, TLS-only; objects go to Glacier Instant Retrieval after 30 days and expire after 365', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({
        Id: 'ArchiveThenExpire', Prefix: 'telemetry/', Status: 'Enabled', ExpirationInDays: 365,
        Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 30 }],
      })]) },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      })]) },
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
  });

  test('Firehose\'s role can read exactly the stream, write exactly the bucket, log its errors; trusted by Firehose of this account only', () => {
    const logGroupId = resourcesOf(template, 'AWS::Logs::LogGroup').find(([id]) => id.includes('DeliveryErrors'))![0];
    assert.deepEqual(statementsOfRole(template, firehoseRoleId), [
      { Sid: 'ReadTheStream', Effect: 'Allow',
        Action: ['kinesis:DescribeStream', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'],
        Resource: { 'Fn::GetAtt': [streamId, 'Arn'] } },
      { Sid: 'WriteTheArchive', Effect: 'Allow',
        Action: ['s3:AbortMultipartUpload', 's3:GetBucketLocation', 's3:GetObject', 's3:ListBucket',
          's3:ListBucketMultipartUploads', 's3:PutObject'],
        Resource: [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] }] },
      { Sid: 'LogDeliveryErrors', Effect: 'Allow', Action: 'logs:PutLogEvents',
        Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
    ]);
    const role = template.toJSON().Resources[firehoseRoleId];
    assert.deepEqual(role.Properties.AssumeRolePolicyDocument.Statement, [{
      Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'firehose.amazonaws.com' },
      Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'AWS::AccountId' } } },
    }]);
    assert.ok((delivery as any).DependsOn?.some((id: string) => id.startsWith(firehoseRoleId.replace(/[0-9A-F]{8}$/, ''))),
      'the delivery stream waits for its role\'s policy');
  });

  test('no statement of any role uses a wildcard action or a bare "*" resource', () => {
    const text = JSON.stringify(resourcesOf(template, 'AWS::IAM::Policy').map(([, p]) => p.Properties!.PolicyDocument));
    assert.doesNotMatch(text, /"Action":"[^"]*\*/);
    assert.doesNotMatch(text, /"Resource":"\*"/);
  });

  test('the Glue table reads the archive: envelope columns, projected partitions function_name (the stack\'s functions) and dt', () => {
    const [, table] = only(template, 'AWS::Glue::Table');
    const input = table.Properties!.TableInput;
    assert.deepEqual(input.StorageDescriptor.Columns.map((c: any) => `${c.Name} ${c.Type}`),
      TABLE_COLUMNS.map((c) => `${c.name} ${c.type}`));
    assert.deepEqual(input.PartitionKeys.map((c: any) => c.Name), ['function_name', 'dt']);
    assert.equal(input.StorageDescriptor.SerdeInfo.SerializationLibrary, 'org.openx.data.jsonserde.JsonSerDe');
    // Case-sensitive, or the SerDe lowercases the keys inside event.record and every JSON path of
    // the queries ($.metrics.durationMs) finds nothing; the envelope's camel-case keys are mapped.
    assert.deepEqual(input.StorageDescriptor.SerdeInfo.Parameters, {
      'ignore.malformed.json': 'true', 'case.insensitive': 'false',
      'mapping.memorymb': 'memoryMB', 'mapping.tenantid': 'tenantId',
    });
    assert.equal(input.Parameters.read_restored_glacier_objects, undefined, 'Instant Retrieval needs no restore');
    const demoFunctionId = only(template, 'AWS::Lambda::Function')[0];
    assert.equal(input.Parameters['projection.enabled'], 'true');
    assert.equal(input.Parameters['projection.function_name.type'], 'enum');
    assert.deepEqual(input.Parameters['projection.function_name.values'], { Ref: demoFunctionId });
    assert.equal(input.Parameters['projection.dt.type'], 'date');
    assert.equal(input.Parameters['projection.dt.format'], 'yyyy-MM-dd');
    assert.equal(input.Parameters['projection.dt.range'], 'NOW-365DAYS,NOW');
    assert.deepEqual(input.Parameters['storage.location.template'], {
      'Fn::Join': ['', ['s3://', { Ref: bucketId }, '/telemetry/function_name=${function_name}/dt=${dt}/']],
    });
  });

  test('four named queries in a workgroup whose results stay a week in the archive bucket', () => {
    template.resourceCountIs('AWS::Athena::NamedQuery', 4);
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: { OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: bucketId }, '/athena-results/']] } },
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'athena-results/', ExpirationInDays: 7 })]) },
    });
  });

  test('the dashboard shows the EMF metrics and the stream; alarms on drops per function and on sustained throttling notify one topic', () => {
    const [, dashboard] = only(template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard.Properties!.DashboardBody);
    for (const metric of ['EventsReceived', 'RecordsDelivered', ...DROP_METRICS, 'RecordsRetried', 'PutRecordsLatencyAverage',
      'RecordsSpooled', 'BufferedBytes', 'IncomingRecords', 'WriteProvisionedThroughputExceeded', 'GetRecords.IteratorAgeMilliseconds']) {
      assert.ok(body.includes(`\\"${metric}\\"`), `the dashboard shows ${metric}`);
    }
    assert.ok(body.includes('\\"TelemetryKinesis\\"'));
    const topicId = only(template, 'AWS::SNS::Topic')[0];
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties!);
    assert.equal(alarms.length, 2);
    const dropped = alarms.find((a) => a.Metrics)!;
    assert.equal(dropped.Threshold, 1);
    assert.deepEqual(dropped.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.MetricName).sort(),
      [...DROP_METRICS].sort());
    const throttled = alarms.find((a) => a.MetricName === 'WriteProvisionedThroughputExceeded')!;
    assert.equal(throttled.EvaluationPeriods, 3);
    assert.equal(throttled.DatapointsToAlarm, 3);
    for (const alarm of alarms) assert.deepEqual(alarm.AlarmActions, [{ Ref: topicId }]);
  });
});

describe('archive options', () => {
  const archiveOf = (props: Partial<ConstructorParameters<typeof TelemetryArchive>[2]>) => {
    const stack = new Stack(newApp(), 'ArchiveOptions');
    new TelemetryArchive(stack, 'Archive', { stream: new kinesis.Stream(stack, 'S'), ...props });
    return Template.fromStack(stack);
  };

  test('ndjson records are split into envelopes (JSON de-aggregation) before the partition is read', () => {
    const t = archiveOf({ recordFormat: 'ndjson' });
    const [, delivery] = only(t, 'AWS::KinesisFirehose::DeliveryStream');
    const processors = delivery.Properties!.ExtendedS3DestinationConfiguration.ProcessingConfiguration.Processors;
    assert.deepEqual(processors[0], { Type: 'RecordDeAggregation', Parameters: [{ ParameterName: 'SubRecordType', ParameterValue: 'JSON' }] });
  });

  test('a stream with a customer-managed key: Firehose may decrypt with exactly that key', () => {
    const t = Template.fromStack(new TelemetryKinesisStack(newApp(), 'CustomerKey', { layerZipDir: zipDir, streamEncryption: 'customer' }));
    const keyId = only(t, 'AWS::KMS::Key')[0];
    const [, delivery] = only(t, 'AWS::KinesisFirehose::DeliveryStream');
    const roleId = delivery.Properties!.KinesisStreamSourceConfiguration.RoleARN['Fn::GetAtt'][0];
    assert.deepEqual(statementsOfRole(t, roleId).find((s: any) => s.Sid === 'DecryptTheStream'), {
      Sid: 'DecryptTheStream', Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
  });

  test('Flexible Retrieval after 90 days, expiry after 5 years; the table reads restored objects', () => {
    const t = archiveOf({ glacierClass: 'flexible', glacierAfterDays: 90, expireAfterDays: 1825 });
    const withQueries = Template.fromStack(new TelemetryKinesisStack(newApp(), 'Flexible', { layerZipDir: zipDir, glacierClass: 'flexible' }));
    assert.equal(only(withQueries, 'AWS::Glue::Table')[1].Properties!.TableInput.Parameters.read_restored_glacier_objects, 'true');
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({
        ExpirationInDays: 1825, Transitions: [{ StorageClass: 'GLACIER', TransitionInDays: 90 }],
      })]) },
    });
  });

  test('refuses gzip records, an expiry before the move to Glacier, a buffer Firehose does not take, queries without functions', () => {
    assert.throws(() => archiveOf({ recordFormat: 'ndjson-gzip' as any }), /gzip records cannot be partitioned/);
    assert.throws(() => archiveOf({ glacierAfterDays: 30, expireAfterDays: 30 }), /expiry after the move to Glacier/);
    assert.throws(() => archiveOf({ bufferInterval: Duration.seconds(30) }), /bufferInterval 30 s: expected 60 to 900 s/);
    const stack = new Stack(newApp(), 'NoFunctions');
    const archive = new TelemetryArchive(stack, 'Archive', { stream: new kinesis.Stream(stack, 'S') });
    new TelemetryQueries(stack, 'Queries', { archive, functionNames: () => [] });
    assert.throws(() => Template.fromStack(stack), /no function to project the function_name partition from/);
  });

  test('the demo stack without archive nor health is the stream, the layers and the function', () => {
    const t = Template.fromStack(new TelemetryKinesisStack(newApp(), 'Bare', { layerZipDir: zipDir, archive: false, health: false }));
    for (const type of ['AWS::S3::Bucket', 'AWS::KinesisFirehose::DeliveryStream', 'AWS::Glue::Table', 'AWS::CloudWatch::Dashboard']) {
      t.resourceCountIs(type, 0);
    }
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.exact({
      TELEMETRY_KINESIS_STREAM: Match.anyValue(),
    }) } });
  });
});

describe('the named queries, parsed as Athena (Trino) SQL against the table', () => {
  const TABLE = '"telemetry_kinesis"."events"';
  const columns = new Set([...TABLE_COLUMNS, ...PARTITION_COLUMNS].map((c) => c.name));
  const parser = new Parser();

  for (const query of namedQueries(TABLE)) {
    test(`${query.name}: parses, reads only the table, names only its columns and event's fields`, () => {
      const options = { database: 'trino' };
      assert.doesNotThrow(() => parser.astify(query.sql, options), `${query.name} does not parse`);
      // What the query defines itself: output aliases and CTE names.
      const aliases = new Set([...query.sql.matchAll(/\bAS\s+([a-z_]+)/gi)].map((m) => m[1].toLowerCase()));
      const ctes = new Set([...query.sql.matchAll(/(?:WITH|,)\s*([a-z_]+)\s+AS\s*\(/gi)].map((m) => m[1].toLowerCase()));
      for (const entry of parser.tableList(query.sql, options)) {
        const [, schema, table] = entry.split('::');
        if (schema === 'null' && ctes.has(table)) continue;
        assert.equal(`${schema}.${table}`, 'telemetry_kinesis.events', `${query.name} reads ${entry}`);
      }
      let named = 0;
      for (const entry of parser.columnList(query.sql, options)) {
        const [, qualifier, column] = entry.split('::');
        named += 1;
        const owner = qualifier.split('.').at(-1)!;
        if (owner === 'event') {
          assert.ok((EVENT_FIELDS as readonly string[]).includes(column), `${query.name}: event has no field ${column}`);
        } else {
          assert.ok(columns.has(column) || aliases.has(column), `${query.name}: no column ${column} (${entry})`);
        }
      }
      assert.ok(named >= 3, `${query.name}: ${named} columns seen`);
      assert.ok(query.sql.includes("event.type = 'platform.") || query.sql.includes("event.type IN ('platform."),
        `${query.name} reads platform events by type`);
    });
  }
});
