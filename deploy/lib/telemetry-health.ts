// Is the extension healthy: a CloudWatch dashboard of its EMF metrics (README, "Metrics";
// namespace TelemetryKinesis, dimension FunctionName) and of the stream, and alarms on dropped
// events and on sustained throttling, notifying one SNS topic.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export const EMF_NAMESPACE = 'TelemetryKinesis';

/** The extension's counters that mean an event will never reach the stream. */
export const DROP_METRICS = [
  'DroppedOverflow', 'DroppedTooLarge', 'DroppedInvalidRecord', 'DroppedSpoolCorrupt', 'UnsentAtShutdown',
] as const;

export interface TelemetryHealthProps {
  readonly stream: kinesis.IStream;
  /** The functions with the extension (their EMF metrics carry FunctionName). */
  readonly functions: lambda.IFunction[];
  /** Default 5 minutes. */
  readonly period?: Duration;
  /** Periods in a row with throttled writes before the throttling alarm fires. Default 3. */
  readonly throttlingPeriods?: number;
}

export class TelemetryHealth extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarmTopic: sns.Topic;
  readonly droppedAlarms: cloudwatch.Alarm[] = [];
  readonly throttlingAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: TelemetryHealthProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(5);
    const emf = (fn: lambda.IFunction, metricName: string, statistic = 'Sum') => new cloudwatch.Metric({
      namespace: EMF_NAMESPACE,
      metricName,
      dimensionsMap: { FunctionName: fn.functionName },
      statistic,
      period,
    });
    const perFunction = (metricName: string, statistic = 'Sum') =>
      props.functions.map((fn) => emf(fn, metricName, statistic));

    this.alarmTopic = new sns.Topic(this, 'Alarms', { displayName: 'telemetry-kinesis alarms' });
    const notify = new actions.SnsAction(this.alarmTopic);

    // One alarm per function: which function loses events is the first thing to know.
    props.functions.forEach((fn, index) => {
      const usingMetrics = Object.fromEntries(DROP_METRICS.map((name, i) => [`d${i}`, emf(fn, name)]));
      const alarm = new cloudwatch.MathExpression({
        expression: Object.keys(usingMetrics).join(' + '),
        usingMetrics,
        label: 'events dropped',
        period,
      }).createAlarm(this, `EventsDropped${index}`, {
        alarmDescription: `telemetry-kinesis dropped events of a function (${DROP_METRICS.join(', ')}); ` +
          'the extension\'s log names the cause once',
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(notify);
      this.droppedAlarms.push(alarm);
    });

    const throttlingPeriods = props.throttlingPeriods ?? 3;
    this.throttlingAlarm = props.stream.metric('WriteProvisionedThroughputExceeded', { statistic: 'Sum', period })
      .createAlarm(this, 'StreamThrottled', {
        alarmDescription: `The telemetry stream throttled writes in ${throttlingPeriods} periods in a row: ` +
          'records wait in the extensions (memory, then spool); add shards or use on-demand mode',
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: throttlingPeriods,
        datapointsToAlarm: throttlingPeriods,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.throttlingAlarm.addAlarmAction(notify);

    const graph = (title: string, metrics: cloudwatch.IMetric[], unit?: string) => new cloudwatch.GraphWidget({
      title, left: metrics, width: 8, height: 6, leftYAxis: unit ? { label: unit, showUnits: false } : undefined,
    });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          graph('Events received', perFunction('EventsReceived')),
          graph('Records delivered', perFunction('RecordsDelivered')),
          graph('Events dropped, by reason', props.functions.flatMap((fn) => DROP_METRICS.map((m) => emf(fn, m)))),
        ],
        [
          graph('Records retried', perFunction('RecordsRetried')),
          graph('PutRecords latency (average)', perFunction('PutRecordsLatencyAverage', 'Average'), 'ms'),
          graph('Spooled records and held bytes', [...perFunction('RecordsSpooled'), ...perFunction('BufferedBytes', 'Maximum')]),
        ],
        [
          graph('Stream: incoming records', [props.stream.metric('IncomingRecords', { statistic: 'Sum', period })]),
          graph('Stream: throttled writes', [props.stream.metric('WriteProvisionedThroughputExceeded', { statistic: 'Sum', period })]),
          graph('Stream: iterator age of the archive', [
            props.stream.metric('GetRecords.IteratorAgeMilliseconds', { statistic: 'Maximum', period }),
          ], 'ms'),
        ],
        [new cloudwatch.AlarmStatusWidget({
          title: 'Alarms', alarms: [...this.droppedAlarms, this.throttlingAlarm], width: 24, height: 3,
        })],
      ],
    });
  }
}
