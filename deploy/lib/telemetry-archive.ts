// The archive: the stream delivered by Amazon Data Firehose to an S3 bucket, one NDJSON envelope
// per line, gzip, partitioned by function and day; objects move to a Glacier class after N days
// and expire after M. Firehose rather than a consumer of ours: it reads every shard, de-aggregates
// KPL records, partitions, batches and retries, and it is what a team already runs.
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * The extension's TELEMETRY_KINESIS_RECORD_FORMAT (README, "Record formats"), as the archive
 * handles it:
 * - `event`: one envelope per record, partitioned as is.
 * - `kpl`: Firehose de-aggregates KPL records read from a stream before anything else ("Use the
 *   KPL with Amazon Data Firehose", Kinesis Data Streams guide), so they arrive as envelopes.
 * - `ndjson`: split into envelopes by multi-record de-aggregation of type JSON ("Apply dynamic
 *   partitioning to aggregated data", Firehose guide), which takes at most 500 per record: the
 *   default TELEMETRY_KINESIS_RECORD_MAX_BYTES (25,600) holds about 100 log lines.
 * Not `ndjson` with gzip: Firehose decompresses only CloudWatch Logs records, so it could not read
 * the function name to partition by.
 */
export type ArchivedRecordFormat = 'event' | 'kpl' | 'ndjson';
export const ARCHIVED_RECORD_FORMATS: readonly ArchivedRecordFormat[] = ['event', 'kpl', 'ndjson'];

/** S3 Glacier Instant Retrieval (milliseconds to read, a 90-day minimum) or Flexible Retrieval (hours). */
export type GlacierClass = 'instant' | 'flexible';

/** Where the archive writes: the prefix of the partitions, which the Glue table projects. */
export const ARCHIVE_DATA_PREFIX = 'telemetry/';
export const ARCHIVE_ERRORS_PREFIX = 'errors/';
/** Athena's query results (TelemetryQueries' workgroup), kept a week. */
export const ARCHIVE_QUERY_RESULTS_PREFIX = 'athena-results/';
export const ARCHIVE_PARTITION_KEYS = ['function_name', 'dt'] as const;

export interface TelemetryArchiveProps {
  readonly stream: kinesis.IStream;
  /** The stream's customer-managed key, if it has one (Firehose then needs kms:Decrypt on it). */
  readonly streamKey?: kms.IKey;
  /** What the functions write (default `event`, the extension's default). */
  readonly recordFormat?: ArchivedRecordFormat;
  /** Days before objects move to Glacier. Default 30. */
  readonly glacierAfterDays?: number;
  /** Default 'instant': an archive of telemetry is read when something went wrong, at once. */
  readonly glacierClass?: GlacierClass;
  /** Days before objects are deleted. Default 365. */
  readonly expireAfterDays?: number;
  /** Firehose's buffer before an object is written: default 300 s or 64 MiB (its minimum with dynamic partitioning). */
  readonly bufferInterval?: Duration;
  /** For the bucket. Default RETAIN: an archive outlives the stack unless told otherwise. */
  readonly removalPolicy?: RemovalPolicy;
}

export class TelemetryArchive extends Construct {
  readonly bucket: s3.Bucket;
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly role: iam.Role;
  readonly recordFormat: ArchivedRecordFormat;
  readonly expireAfterDays: number;
  readonly glacierClass: GlacierClass;

  constructor(scope: Construct, id: string, props: TelemetryArchiveProps) {
    super(scope, id);
    this.recordFormat = props.recordFormat ?? 'event';
    if (!ARCHIVED_RECORD_FORMATS.includes(this.recordFormat)) {
      throw new Error(`TelemetryArchive recordFormat ${JSON.stringify(this.recordFormat)}: expected one of ` +
        `${ARCHIVED_RECORD_FORMATS.join(', ')} (gzip records cannot be partitioned by Firehose)`);
    }
    const glacierAfterDays = props.glacierAfterDays ?? 30;
    this.expireAfterDays = props.expireAfterDays ?? 365;
    const glacierClass = props.glacierClass ?? 'instant';
    this.glacierClass = glacierClass;
    const bufferSeconds = (props.bufferInterval ?? Duration.seconds(300)).toSeconds();
    if (bufferSeconds < 60 || bufferSeconds > 900) {
      // Firehose takes 0-900 s, and at least 60 s with dynamic partitioning (Firehose guide,
      // "Buffer data for dynamic partitioning").
      throw new Error(`TelemetryArchive bufferInterval ${bufferSeconds} s: expected 60 to 900 s`);
    }
    if (!Number.isInteger(glacierAfterDays) || glacierAfterDays < 0 ||
        !Number.isInteger(this.expireAfterDays) || this.expireAfterDays <= glacierAfterDays) {
      throw new Error(`TelemetryArchive: glacierAfterDays (${glacierAfterDays}) and expireAfterDays ` +
        `(${this.expireAfterDays}) must be whole days, expiry after the move to Glacier`);
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // No autoDeleteObjects: it would add a custom-resource function with rights over the bucket.
      removalPolicy,
      lifecycleRules: [{
        id: 'ArchiveThenExpire',
        prefix: ARCHIVE_DATA_PREFIX,
        transitions: [{
          storageClass: glacierClass === 'instant'
            ? s3.StorageClass.GLACIER_INSTANT_RETRIEVAL : s3.StorageClass.GLACIER,
          transitionAfter: Duration.days(glacierAfterDays),
        }],
        expiration: Duration.days(this.expireAfterDays),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      }, {
        // Records Firehose could not partition (not JSON, no `function`): kept as long, never moved.
        id: 'ExpireDeliveryErrors',
        prefix: ARCHIVE_ERRORS_PREFIX,
        expiration: Duration.days(this.expireAfterDays),
      }, {
        id: 'ExpireQueryResults',
        prefix: ARCHIVE_QUERY_RESULTS_PREFIX,
        expiration: Duration.days(7),
      }],
    });

    const errorLogs = new logs.LogGroup(this, 'DeliveryErrors', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const errorLogStream = new logs.LogStream(this, 'DeliveryErrorStream', { logGroup: errorLogs });

    // Exactly what Firehose needs ("Controlling access with Amazon Data Firehose", Firehose guide):
    // read the stream, write the bucket, log its delivery errors.
    this.role = new iam.Role(this, 'DeliveryRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'sts:ExternalId': Stack.of(this).account } },
      }),
      description: 'Firehose: reads the telemetry stream, writes the archive bucket',
    });
    this.role.addToPolicy(new iam.PolicyStatement({
      sid: 'ReadTheStream',
      actions: ['kinesis:DescribeStream', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'],
      resources: [props.stream.streamArn],
    }));
    if (props.streamKey) {
      this.role.addToPolicy(new iam.PolicyStatement({
        sid: 'DecryptTheStream',
        actions: ['kms:Decrypt'],
        resources: [props.streamKey.keyArn],
      }));
    }
    this.role.addToPolicy(new iam.PolicyStatement({
      sid: 'WriteTheArchive',
      actions: ['s3:AbortMultipartUpload', 's3:GetBucketLocation', 's3:GetObject', 's3:ListBucket',
        's3:ListBucketMultipartUploads', 's3:PutObject'],
      resources: [this.bucket.bucketArn, this.bucket.arnForObjects('*')],
    }));
    this.role.addToPolicy(new iam.PolicyStatement({
      sid: 'LogDeliveryErrors',
      actions: ['logs:PutLogEvents'],
      resources: [errorLogs.logGroupArn],
    }));

    const processors: firehose.CfnDeliveryStream.ProcessorProperty[] = [];
    if (this.recordFormat === 'ndjson') {
      processors.push({ type: 'RecordDeAggregation', parameters: [{ parameterName: 'SubRecordType', parameterValue: 'JSON' }] });
    }
    processors.push(
      // The envelope's `function` (AWS_LAMBDA_FUNCTION_NAME) names the partition.
      {
        type: 'MetadataExtraction',
        parameters: [
          { parameterName: 'MetadataExtractionQuery', parameterValue: '{function_name: .function}' },
          { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
        ],
      },
      // One envelope per line: objects are NDJSON, as Athena's JSON SerDe reads them.
      { type: 'AppendDelimiterToRecord', parameters: [{ parameterName: 'Delimiter', parameterValue: '\\n' }] },
    );

    this.deliveryStream = new firehose.CfnDeliveryStream(this, 'Delivery', {
      deliveryStreamType: 'KinesisStreamAsSource',
      kinesisStreamSourceConfiguration: { kinesisStreamArn: props.stream.streamArn, roleArn: this.role.roleArn },
      extendedS3DestinationConfiguration: {
        bucketArn: this.bucket.bucketArn,
        roleArn: this.role.roleArn,
        prefix: `${ARCHIVE_DATA_PREFIX}function_name=!{partitionKeyFromQuery:function_name}/dt=!{timestamp:yyyy-MM-dd}/`,
        errorOutputPrefix: `${ARCHIVE_ERRORS_PREFIX}!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`,
        compressionFormat: 'GZIP',
        bufferingHints: { intervalInSeconds: bufferSeconds, sizeInMBs: 64 },
        dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
        processingConfiguration: { enabled: true, processors },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: errorLogs.logGroupName,
          logStreamName: errorLogStream.logStreamName,
        },
      },
    });
    // The role's policy must exist before Firehose tries to read the stream with it.
    this.deliveryStream.node.addDependency(this.role);
  }

  /** s3:// URL of the partitioned data, for the Glue table. */
  get dataLocation(): string {
    return `s3://${this.bucket.bucketName}/${ARCHIVE_DATA_PREFIX}`;
  }
}
