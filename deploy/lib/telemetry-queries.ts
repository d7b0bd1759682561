// Query the archive in place: a Glue table over its partitions (projected, so no crawler and no
// partition loading), an Athena workgroup whose results stay in the archive bucket for a week, and
// the named queries of athena-queries.ts.
import { Aws, Lazy } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import { Construct } from 'constructs';
import { PARTITION_COLUMNS, TABLE_COLUMNS, namedQueries } from './athena-queries';
import { ARCHIVE_QUERY_RESULTS_PREFIX, TelemetryArchive } from './telemetry-archive';

export interface TelemetryQueriesProps {
  readonly archive: TelemetryArchive;
  /**
   * Names of the functions whose telemetry is archived (tokens are fine): the function_name
   * partition is projected from this list, so other writers to the stream are not seen. Read at
   * synth, so functions added later count; none is a synth error.
   */
  readonly functionNames: () => string[];
  /** Default 'telemetry_kinesis'. */
  readonly databaseName?: string;
}

export class TelemetryQueries extends Construct {
  readonly database: glue.CfnDatabase;
  readonly table: glue.CfnTable;
  readonly workGroup: athena.CfnWorkGroup;
  readonly databaseName: string;
  readonly tableName = 'events';

  constructor(scope: Construct, id: string, props: TelemetryQueriesProps) {
    super(scope, id);
    this.databaseName = props.databaseName ?? 'telemetry_kinesis';
    const { archive } = props;
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: this.databaseName, description: 'telemetry-kinesis: the archive of Lambda telemetry' },
    });
    const location = archive.dataLocation;
    // Partition projection ("Use partition projection with Amazon Athena", Athena guide): the
    // partitions are computed from these parameters instead of being registered one by one.
    // Every named query reads all functions, which an injected projection forbids (it needs an
    // equality on the column): the functions must be known.
    this.node.addValidation({
      validate: () => (props.functionNames().length > 0 ? [] : [
        'TelemetryQueries: no function to project the function_name partition from; add functions to TelemetryKinesis']),
    });
    this.table = new glue.CfnTable(this, 'Table', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.databaseName,
      tableInput: {
        name: this.tableName,
        description: 'One row per Telemetry API event: the envelope of README "Record format"',
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          classification: 'json',
          compressionType: 'gzip',
          'projection.enabled': 'true',
          'projection.function_name.type': 'enum',
          'projection.function_name.values': Lazy.string({ produce: () => props.functionNames().join(',') }),
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': `NOW-${archive.expireAfterDays}DAYS,NOW`,
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'storage.location.template': `${location}function_name=\${function_name}/dt=\${dt}/`,
          // Athena skips objects in Glacier Flexible Retrieval unless told to read the restored
          // ones ("Query restored Amazon Glacier objects", Athena guide).
          ...(archive.glacierClass === 'flexible' ? { read_restored_glacier_objects: 'true' } : {}),
        },
        partitionKeys: PARTITION_COLUMNS.map(({ name, type, comment }) => ({ name, type, comment })),
        storageDescriptor: {
          location,
          compressed: true,
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          columns: TABLE_COLUMNS.map(({ name, type, comment }) => ({ name, type, comment })),
          serdeInfo: {
            // The OpenX JSON SerDe ("OpenX JSON SerDe", Athena guide) keeps a nested object
            // declared string as its JSON text, so event.record works with json_extract. Case
            // sensitive: insensitive, it lowercases every key, nested ones too, and the queries'
            // paths ($.metrics.durationMs) would find nothing; the two camel-case keys are mapped.
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            parameters: {
              'ignore.malformed.json': 'true',
              'case.insensitive': 'false',
              'mapping.memorymb': 'memoryMB',
              'mapping.tenantid': 'tenantId',
            },
          },
        },
      },
    });
    this.table.node.addDependency(this.database);

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: `${this.databaseName}-${Aws.STACK_NAME}`,
      description: 'telemetry-kinesis archive queries; results kept a week in the archive bucket',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${archive.bucket.bucketName}/${ARCHIVE_QUERY_RESULTS_PREFIX}`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });

    const table = `"${this.databaseName}"."${this.tableName}"`;
    for (const query of namedQueries(table)) {
      const named = new athena.CfnNamedQuery(this, `Query-${query.name}`, {
        name: `telemetry-kinesis: ${query.name}`,
        description: query.description,
        database: this.databaseName,
        workGroup: this.workGroup.ref,
        queryString: query.sql,
      });
      named.node.addDependency(this.table);
    }
  }
}
