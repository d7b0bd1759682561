// The stack of the AWS sample (TelemetryApiKinesisExtensionStack) without its mistakes: a Kinesis stream
// (on-demand, encrypted), the telemetry-kinesis layer for both architectures, a demo function that uses
// it with its configuration set, and a least-privilege policy on that function's own role.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Lambda's architecture names, as in the layer zips' file names. */
export type LayerArchitecture = 'x86_64' | 'arm64';
export const LAYER_ARCHITECTURES: readonly LayerArchitecture[] = ['x86_64', 'arm64'];

/**
 * How the stream is encrypted: 'managed' uses the AWS-managed key alias/aws/kinesis (no KMS permission
 * needed by producers); 'customer' creates a customer-managed key, which producers may only use with
 * kms:GenerateDataKey on it ("Permissions to use user-generated KMS keys", Kinesis Data Streams guide).
 */
export type StreamEncryptionChoice = 'managed' | 'customer';

/** The file name of a layer zip as `cmake --build build --target layer` writes it. */
export function layerZipName(architecture: LayerArchitecture): string {
  return `telemetry-kinesis-layer-${architecture}.zip`;
}

export interface TelemetryKinesisStackProps extends StackProps {
  /** Folder holding telemetry-kinesis-layer-x86_64.zip and telemetry-kinesis-layer-arm64.zip. */
  readonly layerZipDir: string;
  /** Architecture of the demo function; the layer of the same architecture is attached. Default arm64. */
  readonly functionArchitecture?: LayerArchitecture;
  /** Default 'managed'. */
  readonly streamEncryption?: StreamEncryptionChoice;
  /** Keep the stream (and its key) when the stack is deleted. Default false: the demo removes what it made. */
  readonly retainStream?: boolean;
}

// The demo function: a few log lines per invocation (plain text and JSON), which the extension ships.
const DEMO_HANDLER = `import json

def handler(event, context):
    print(f"telemetry-kinesis demo: handling request {context.aws_request_id}")
    print(json.dumps({"level": "INFO", "message": "a structured log line", "event": event}))
    return {"ok": True}
`;

/** The variables the extension needs in a function: the stream's ARN (its region wins over AWS_REGION). */
export function telemetryKinesisEnvironment(stream: kinesis.IStream): Record<string, string> {
  return { TELEMETRY_KINESIS_STREAM: stream.streamArn };
}

/**
 * Lets `fn` ship to `stream`: kinesis:PutRecords on exactly that stream (the only Kinesis call the
 * extension makes), plus kms:GenerateDataKey on exactly `customerKey` when the stream uses one.
 * Nothing for the AWS-managed key: it needs no IAM permission.
 */
export function grantTelemetryKinesis(fn: lambda.Function, stream: kinesis.IStream, customerKey?: kms.IKey): void {
  fn.addToRolePolicy(new iam.PolicyStatement({
    sid: 'TelemetryKinesisPutRecords',
    actions: ['kinesis:PutRecords'],
    resources: [stream.streamArn],
  }));
  if (customerKey) {
    fn.addToRolePolicy(new iam.PolicyStatement({
      sid: 'TelemetryKinesisStreamKey',
      actions: ['kms:GenerateDataKey'],
      resources: [customerKey.keyArn],
    }));
  }
}

export class TelemetryKinesisStack extends Stack {
  readonly stream: kinesis.Stream;
  readonly streamKey?: kms.Key;
  readonly layers: Record<LayerArchitecture, lambda.LayerVersion>;
  readonly demoFunction: lambda.Function;

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

    this.layers = {
      x86_64: this.makeLayer('x86_64', props.layerZipDir),
      arm64: this.makeLayer('arm64', props.layerZipDir),
    };

    this.demoFunction = new lambda.Function(this, 'DemoFunction', {
      description: 'Demo function whose telemetry the telemetry-kinesis extension ships to Kinesis',
      runtime: lambda.Runtime.PYTHON_3_12,
      architecture: lambdaArchitecture(functionArchitecture),
      handler: 'index.handler',
      code: lambda.Code.fromInline(DEMO_HANDLER),
      layers: [this.layers[functionArchitecture]],
      memorySize: 128,
      timeout: Duration.seconds(10),
      environment: telemetryKinesisEnvironment(this.stream),
      logGroup: new logs.LogGroup(this, 'DemoFunctionLogs', {
        retention: logs.RetentionDays.ONE_WEEK,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    // The sample never attached this to its own function; here it is the function's only extra right.
    grantTelemetryKinesis(this.demoFunction, this.stream, this.streamKey);

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

  private makeLayer(architecture: LayerArchitecture, zipDir: string): lambda.LayerVersion {
    const zip = path.resolve(zipDir, layerZipName(architecture));
    if (!fs.existsSync(zip)) {
      throw new Error(`${zip} does not exist: build the layers first (cmake --build build --target layer)`);
    }
    return new lambda.LayerVersion(this, `TelemetryKinesisLayer${architecture === 'x86_64' ? 'X8664' : 'Arm64'}`, {
      layerVersionName: `telemetry-kinesis-${architecture}`,
      description: `telemetry-kinesis Lambda extension (${architecture}): ships Telemetry API events to Kinesis`,
      code: lambda.Code.fromAsset(zip),
      compatibleArchitectures: [lambdaArchitecture(architecture)],
      // No compatibleRuntimes: the extension is a native executable with its own libraries, so it
      // runs beside every runtime, managed or OS-only.
    });
  }
}

function lambdaArchitecture(architecture: LayerArchitecture): lambda.Architecture {
  return architecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64;
}
