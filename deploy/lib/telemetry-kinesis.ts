// The extension on functions: its layers (one version per architecture) and the TelemetryKinesis
// construct, which gives each function the layer of its architecture, the variables and the grant
// to ship to a stream (created when none is given). The demo stack is built on it; it is also what
// a team adds to the functions it already has.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** Lambda's architecture names, as in the layer zips' file names. */
export type LayerArchitecture = 'x86_64' | 'arm64';
export const LAYER_ARCHITECTURES: readonly LayerArchitecture[] = ['x86_64', 'arm64'];

/** The file name of a layer zip as `cmake --build build --target layer` writes it. */
export function layerZipName(architecture: LayerArchitecture): string {
  return `telemetry-kinesis-layer-${architecture}.zip`;
}

export function lambdaArchitecture(architecture: LayerArchitecture): lambda.Architecture {
  return architecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64;
}

/** The layer architecture a function runs on (a function without one runs on x86_64). */
export function architectureOf(fn: lambda.Function): LayerArchitecture {
  return fn.architecture.name === lambda.Architecture.ARM_64.name ? 'arm64' : 'x86_64';
}

/** Both layer versions of the extension, from the zips of one build. */
export class TelemetryKinesisLayers extends Construct {
  readonly byArchitecture: Record<LayerArchitecture, lambda.LayerVersion>;

  /** `zipDir` holds telemetry-kinesis-layer-x86_64.zip and telemetry-kinesis-layer-arm64.zip. */
  constructor(scope: Construct, id: string, zipDir: string) {
    super(scope, id);
    this.byArchitecture = {
      x86_64: this.makeLayer('x86_64', zipDir),
      arm64: this.makeLayer('arm64', zipDir),
    };
  }

  private makeLayer(architecture: LayerArchitecture, zipDir: string): lambda.LayerVersion {
    const zip = path.resolve(zipDir, layerZipName(architecture));
    if (!fs.existsSync(zip)) {
      throw new Error(`${zip} does not exist: build the layers first (cmake --build build --target layer)`);
    }
    return new lambda.LayerVersion(this, architecture === 'x86_64' ? 'X8664' : 'Arm64', {
      layerVersionName: `telemetry-kinesis-${architecture}`,
      description: `telemetry-kinesis Lambda extension (${architecture}): ships Telemetry API events to Kinesis`,
      code: lambda.Code.fromAsset(zip),
      compatibleArchitectures: [lambdaArchitecture(architecture)],
      // No compatibleRuntimes: the extension is a native executable with its own libraries, so it
      // runs beside every runtime, managed or OS-only.
    });
  }
}

/**
 * Lets `fn` ship to `stream`: kinesis:PutRecords on exactly that stream (the only Kinesis call the
 * extension makes), plus kms:GenerateDataKey on exactly `customerKey` when the stream uses one
 * ("Permissions to use user-generated KMS keys", Kinesis Data Streams guide). Nothing for the
 * AWS-managed key: it needs no IAM permission.
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

/**
 * The variables the extension needs in a function: the stream's ARN (its region wins over
 * AWS_REGION), and with `emfMetrics` its CloudWatch metrics (README, "Metrics"), which the
 * dashboard and alarms of TelemetryHealth read.
 */
export function telemetryKinesisEnvironment(stream: kinesis.IStream, emfMetrics = false): Record<string, string> {
  return {
    TELEMETRY_KINESIS_STREAM: stream.streamArn,
    ...(emfMetrics ? { TELEMETRY_KINESIS_METRICS: 'emf' } : {}),
  };
}

export interface TelemetryKinesisProps {
  /** The functions to ship the telemetry of; more can be added with addFunction(). */
  readonly functions?: lambda.Function[];
  /** Where telemetry goes. Default: an on-demand stream with the AWS-managed key, kept for 24 h. */
  readonly stream?: kinesis.IStream;
  /** The customer-managed key of `stream`, when it has one (producers need kms:GenerateDataKey on it). */
  readonly streamKey?: kms.IKey;
  /** The layers to attach; give either these or `layerZipDir`. */
  readonly layers?: TelemetryKinesisLayers;
  /** Folder of the layer zips of a build (see TelemetryKinesisLayers), when `layers` is not given. */
  readonly layerZipDir?: string;
  /** Turn on the extension's EMF metrics (TELEMETRY_KINESIS_METRICS=emf). Default true. */
  readonly emfMetrics?: boolean;
  /** More TELEMETRY_KINESIS_* settings for every function (README, "Configuration"). */
  readonly environment?: Record<string, string>;
  /** For a stream this construct creates. Default DESTROY. */
  readonly removalPolicy?: RemovalPolicy;
}

/** Adds the extension to functions: layer of their architecture, variables, grant; nothing else. */
export class TelemetryKinesis extends Construct {
  readonly stream: kinesis.IStream;
  readonly streamKey?: kms.IKey;
  readonly layers: TelemetryKinesisLayers;
  readonly functions: lambda.Function[] = [];
  private readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: TelemetryKinesisProps) {
    super(scope, id);
    if (!props.layers && !props.layerZipDir) {
      throw new Error('TelemetryKinesis needs layers or layerZipDir (the folder of the layer zips)');
    }
    if (props.streamKey && !props.stream) {
      throw new Error('TelemetryKinesis: streamKey is the key of a given stream; give the stream too');
    }
    this.layers = props.layers ?? new TelemetryKinesisLayers(this, 'Layers', props.layerZipDir!);
    this.stream = props.stream ?? new kinesis.Stream(this, 'Stream', {
      streamMode: kinesis.StreamMode.ON_DEMAND,
      encryption: kinesis.StreamEncryption.MANAGED,
      retentionPeriod: Duration.hours(24),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.streamKey = props.streamKey;
    for (const name of Object.keys(props.environment ?? {})) {
      if (!name.startsWith('TELEMETRY_KINESIS_') || name === 'TELEMETRY_KINESIS_STREAM') {
        throw new Error(`TelemetryKinesis environment: ${name} is not an extension setting this construct lets you set ` +
          '(TELEMETRY_KINESIS_* other than TELEMETRY_KINESIS_STREAM, which is the stream)');
      }
    }
    this.environment = {
      ...props.environment,
      ...telemetryKinesisEnvironment(this.stream, props.emfMetrics ?? true),
    };
    for (const fn of props.functions ?? []) this.addFunction(fn);
  }

  /** Gives `fn` the layer of its architecture, the extension's variables and the grant. */
  addFunction(fn: lambda.Function): void {
    fn.addLayers(this.layers.byArchitecture[architectureOf(fn)]);
    for (const [name, value] of Object.entries(this.environment)) fn.addEnvironment(name, value);
    grantTelemetryKinesis(fn, this.stream, this.streamKey);
    this.functions.push(fn);
  }
}
