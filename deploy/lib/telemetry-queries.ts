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
   * partition is projected from this list. Read at synth, so functions added later count.
   * Empty: the partition is injected instead, and every query must name its function.
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
    const projected = () => props.functionNames().length > 0;
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
          'projection.function_name.type': Lazy.string({ produce: () => (projected() ? 'enum' : 'injected') }),
          'projection.function_name.values': Lazy.string({
            produce: () => (projected() ? props.functionNames().join(',') : undefined),
          }),
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': `NOW-${archive.expireAfterDays}DAYS,NOW`,
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'storage.location.template': `${location}function_name=\${function_name}/dt=\${dt}/`,
        },
        partitionKeys: PARTITION_COLUMNS.map(({ name, type, comment }) => ({ name, type, comment })),
        storageDescriptor: {
          location,
          compressed: true,
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          columns: TABLE_COLUMNS.map(({ name, type, comment }) => ({ name, type, comment })),
          serdeInfo: {
            // The OpenX JSON SerDe ("JSON SerDe libraries", Athena guide) keeps a nested object
            // declared string as its JSON text, so event.record works with json_extract.
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            parameters: { 'ignore.malformed.json': 'true', 'case.insensitive': 'true' },
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
