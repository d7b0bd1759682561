// The demo stack: a Kinesis stream (on-demand, encrypted), the telemetry-kinesis layer for both
// architectures, a demo function given the extension by the TelemetryKinesis construct (as any
// existing function would be), the archive in S3 (Firehose, Glacier lifecycle), the Glue table and
// Athena queries over it, and the dashboard and alarms of the extension's health. Each part is a
// construct of its own file; this file only composes them and names the outputs.
import { CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ArchivedRecordFormat, GlacierClass, TelemetryArchive } from './telemetry-archive';
import { TelemetryHealth } from './telemetry-health';
import {
  LAYER_ARCHITECTURES, LayerArchitecture, TelemetryKinesis, TelemetryKinesisLayers, lambdaArchitecture,
} from './telemetry-kinesis';
import { TelemetryQueries } from './telemetry-queries';

export {
  LAYER_ARCHITECTURES, LayerArchitecture, grantTelemetryKinesis, layerZipName, telemetryKinesisEnvironment,
} from './telemetry-kinesis';

/**
 * How the stream is encrypted: 'managed' uses the AWS-managed key alias/aws/kinesis (no KMS permission
 * needed by producers); 'customer' creates a customer-managed key, which producers may only use with
 * kms:GenerateDataKey on it ("Permissions to use user-generated KMS keys", Kinesis Data Streams guide).
 */
export type StreamEncryptionChoice = 'managed' | 'customer';

export interface TelemetryKinesisStackProps extends StackProps {
  /** Folder holding telemetry-kinesis-layer-x86_64.zip and telemetry-kinesis-layer-arm64.zip. */
  readonly layerZipDir: string;
  /** Architecture of the demo function; the layer of the same architecture is attached. Default arm64. */
  readonly functionArchitecture?: LayerArchitecture;
  /** Default 'managed'. */
  readonly streamEncryption?: StreamEncryptionChoice;
  /** Keep the stream (and its key) when the stack is deleted. Default false: the demo removes what it made. */
  readonly retainStream?: boolean;
  /** The archive in S3 with its Glue table and Athena queries. Default true. */
  readonly archive?: boolean;
  /** The record format the functions write, which the archive must read. Default 'event'. */
  readonly recordFormat?: ArchivedRecordFormat;
  /** Days before archived objects move to Glacier. Default 30. */
  readonly glacierAfterDays?: number;
  /** 'instant' (default) or 'flexible' retrieval. */
  readonly glacierClass?: GlacierClass;
  /** Days before archived objects are deleted. Default 365. */
  readonly expireAfterDays?: number;
  /** The dashboard and alarms. Default true. */
  readonly health?: boolean;
}

// The demo function: a few log lines per invocation (plain text and JSON), which the extension ships.
const DEMO_HANDLER = `import json

def handler(event, context):
    print(f"telemetry-kinesis demo: handling request {context.aws_request_id}")
    print(json.dumps({"level": "INFO", "message": "a structured log line", "event": event}))
    return {"ok": True}
`;

export class TelemetryKinesisStack extends Stack {
  readonly stream: kinesis.Stream;
  readonly streamKey?: kms.Key;
  readonly layers: Record<LayerArchitecture, lambda.LayerVersion>;
  readonly demoFunction: lambda.Function;
  readonly telemetry: TelemetryKinesis;
  readonly archive?: TelemetryArchive;
  readonly queries?: TelemetryQueries;
  readonly health?: TelemetryHealth;

  constructor(scope: Construct, id: string, props: TelemetryKinesisStackProps) {
    super(scope, id, props);
    const removalPolicy = props.retainStream ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const functionArchitecture = props.functionArchitecture ?? 'arm64';

    if ((props.streamEncryption ?? 'managed') === 'customer') {
      this.streamKey = new kms.Key(this, 'TelemetryStreamKey', {
        description: 'Encrypts the telemetry-kinesis stream',
        enableKeyRotation: true,
        removalPolicy,
      });
    }
    this.stream = new kinesis.Stream(this, 'TelemetryStream', {
      streamMode: kinesis.StreamMode.ON_DEMAND,
      encryption: this.streamKey ? kinesis.StreamEncryption.KMS : kinesis.StreamEncryption.MANAGED,
      encryptionKey: this.streamKey,
      retentionPeriod: Duration.hours(24),
      removalPolicy,
    });
    const layers = new TelemetryKinesisLayers(this, 'TelemetryKinesisLayers', props.layerZipDir);
    this.layers = layers.byArchitecture;

    this.demoFunction = new lambda.Function(this, 'DemoFunction', {
      description: 'Demo function whose telemetry the telemetry-kinesis extension ships to Kinesis',
      runtime: lambda.Runtime.PYTHON_3_12,
      architecture: lambdaArchitecture(functionArchitecture),
      handler: 'index.handler',
      code: lambda.Code.fromInline(DEMO_HANDLER),
      memorySize: 128,
      timeout: Duration.seconds(10),
      logGroup: new logs.LogGroup(this, 'DemoFunctionLogs', {
        retention: logs.RetentionDays.ONE_WEEK,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    // As for any existing function: the layer of its architecture, the variables, the grant.
    const recordFormat = props.recordFormat ?? 'event';
    this.telemetry = new TelemetryKinesis(this, 'TelemetryKinesis', {
      functions: [this.demoFunction],
      stream: this.stream,
      streamKey: this.streamKey,
      layers,
      emfMetrics: props.health ?? true,
      environment: recordFormat === 'event' ? {} : { TELEMETRY_KINESIS_RECORD_FORMAT: recordFormat },
    });

    if (props.archive ?? true) {
      this.archive = new TelemetryArchive(this, 'Archive', {
        stream: this.stream,
        streamKey: this.streamKey,
        recordFormat,
        glacierAfterDays: props.glacierAfterDays,
        glacierClass: props.glacierClass,
        expireAfterDays: props.expireAfterDays,
      });
      this.queries = new TelemetryQueries(this, 'Queries', {
        archive: this.archive,
        functionNames: () => this.telemetry.functions.map((fn) => fn.functionName),
      });
      new CfnOutput(this, 'ArchiveBucketName', { description: 'Where the archive lands (telemetry/function_name=.../dt=.../)', value: this.archive.bucket.bucketName });
      new CfnOutput(this, 'AthenaWorkGroup', { description: 'Run the named queries in this workgroup', value: this.queries.workGroup.ref });
      new CfnOutput(this, 'GlueTable', { description: 'The archive as a table', value: `${this.queries.databaseName}.${this.queries.tableName}` });
    }
    if (props.health ?? true) {
      this.health = new TelemetryHealth(this, 'Health', { stream: this.stream, functions: this.telemetry.functions });
      new CfnOutput(this, 'AlarmTopicArn', { description: 'Subscribe to it to hear about dropped events and throttling', value: this.health.alarmTopic.topicArn });
      new CfnOutput(this, 'DashboardName', { description: 'The health dashboard', value: this.health.dashboard.dashboardName });
    }

    for (const architecture of LAYER_ARCHITECTURES) {
      new CfnOutput(this, `LayerArn${architecture === 'x86_64' ? 'X8664' : 'Arm64'}`, {
        description: `ARN of the telemetry-kinesis layer version for ${architecture} functions`,
        value: this.layers[architecture].layerVersionArn,
      });
    }
    new CfnOutput(this, 'StreamName', { description: 'The Kinesis stream telemetry goes to', value: this.stream.streamName });
    new CfnOutput(this, 'StreamArn', { description: 'Its ARN (the value of TELEMETRY_KINESIS_STREAM)', value: this.stream.streamArn });
    new CfnOutput(this, 'DemoFunctionName', { description: 'Invoke it to produce telemetry', value: this.demoFunction.functionName });
  }
}
