import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../functions/summarizer/config';
import { SUMMARIZER_ENV } from '../../support/builders';

describe('summarizer configuration', () => {
  it('reads the environment with the documented defaults', () => {
    expect(loadConfig(SUMMARIZER_ENV)).toEqual({
      vpcId: 'vpc-0123456789abcdef0',
      vpcNetworks: [
        { family: 'ipv4', address: '10.0.0.0', prefixLength: 16 },
        { family: 'ipv6', address: '2001:db8:1234:1a00::', prefixLength: 56 },
      ],
      flowLogGroupName: '/flood-guard/flow-logs',
      listenerPort: 443,
      listenerProtocol: 6,
      minZScore: 3,
      minPacketsPerBin: 12_000,
      windowMinutes: 60,
      requeryMinutes: 10,
      maxAnomalies: 100,
      timestreamDatabase: 'floodguard',
      timestreamTable: 'packet_bins',
      anomaliesTopicArn: 'arn:aws:sns:eu-west-1:123456789012:flood-guard-anomalies',
      metricsNamespace: 'AutoNACL',
      serviceName: 'summarizer',
    });
  });

  it('takes explicit thresholds', () => {
    const config = loadConfig({
      ...SUMMARIZER_ENV,
      LISTENER_PROTOCOL: '17',
      MIN_ZSCORE: '2.5',
      MIN_PACKETS_PER_BIN: '500',
      WINDOW_MINUTES: '30',
      REQUERY_MINUTES: '15',
      MAX_ANOMALIES: '40',
      POWERTOOLS_METRICS_NAMESPACE: 'Custom',
    });
    expect(config).toMatchObject({
      listenerProtocol: 17,
      minZScore: 2.5,
      minPacketsPerBin: 500,
      windowMinutes: 30,
      requeryMinutes: 15,
      maxAnomalies: 40,
      metricsNamespace: 'Custom',
    });
  });

  it.each([
    [{ VPC_ID: undefined }, /VPC_ID \(unset\)/],
    [{ VPC_ID: 'vpc-XYZ' }, /VPC_ID \("vpc-XYZ"\): expected a VPC id/],
    [{ VPC_CIDRS: '10.0.0.0/16,10.0.0.1/16' }, /VPC_CIDRS .*"10\.0\.0\.1\/16" is not an IPv4 or IPv6 CIDR/],
    [{ VPC_CIDRS: '' }, /VPC_CIDRS/],
    [{ LISTENER_PORT: '0' }, /LISTENER_PORT \("0"\)/],
    [{ LISTENER_PORT: 'https' }, /LISTENER_PORT \("https"\): expected a whole number/],
    [{ LISTENER_PROTOCOL: 'TCP' }, /LISTENER_PROTOCOL \("TCP"\): expected 6 \(TCP\) or 17 \(UDP\)/],
    [{ MIN_ZSCORE: 'three' }, /MIN_ZSCORE/],
    [{ MIN_ZSCORE: '-1' }, /MIN_ZSCORE/],
    [{ MIN_PACKETS_PER_BIN: '1e4' }, /MIN_PACKETS_PER_BIN/],
    [{ REQUERY_MINUTES: '61' }, /REQUERY_MINUTES/],
    [{ WINDOW_MINUTES: '5', REQUERY_MINUTES: '10' }, /REQUERY_MINUTES .*must not exceed WINDOW_MINUTES/],
    [{ MAX_ANOMALIES: '5000' }, /MAX_ANOMALIES/],
    [{ TIMESTREAM_TABLE: 'bins"; DROP' }, /TIMESTREAM_TABLE/],
    [{ ANOMALIES_TOPIC_ARN: 'topic' }, /ANOMALIES_TOPIC_ARN \("topic"\): expected an SNS topic ARN/],
    [{ FLOW_LOG_GROUP_NAME: 'bad name' }, /FLOW_LOG_GROUP_NAME/],
  ])('fails naming the bad variable: %o', (override, message) => {
    const env = { ...SUMMARIZER_ENV, ...override };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('lists every bad variable at once', () => {
    expect(() => loadConfig({ ...SUMMARIZER_ENV, LISTENER_PORT: 'x', MAX_ANOMALIES: '0' })).toThrow(/LISTENER_PORT.*; MAX_ANOMALIES/);
  });
});
