import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import type { Listener } from '../../core/listeners';
import { DEFAULT_METRICS_NAMESPACE } from '../../core/metrics';
import { FlowLogs } from '../../lib/flow-logs';

interface MetricFilterProps {
  FilterPattern: string;
  MetricTransformations: { MetricName: string; MetricValue: string; Dimensions?: { Key: string; Value: string }[] }[];
}

/** The stack's flow-log construct alone, for these listeners: its metric filters by logical id. */
function metricFilters(listeners: readonly Listener[]): Record<string, MetricFilterProps> {
  const stack = new Stack(new App(), 'FlowLogsOnly');
  new FlowLogs(stack, 'FlowLogs', {
    subnetIds: ['subnet-0aaaaaaaaaaaaaaa1'],
    listeners,
    retention: logs.RetentionDays.ONE_WEEK,
    encryptionKey: new kms.Key(stack, 'Key'),
    metricsNamespace: DEFAULT_METRICS_NAMESPACE,
  });
  const resources = Template.fromStack(stack).findResources('AWS::Logs::MetricFilter');
  return Object.fromEntries(Object.entries(resources).map(([id, r]) => [id, r.Properties as MetricFilterProps]));
}

const pattern = (port: number, protocol: number, action: string) =>
  `[srcAddr, dstPort=${port}, protocol=${protocol}, packets, start, end, action="${action}", logStatus, flowDirection="ingress"]`;

describe('flow-log metric filters', () => {
  it('with one listener: the two filters of the one-listener stack, without dimension', () => {
    const filters = Object.values(metricFilters([{ port: 443, protocol: 6 }]));
    expect(filters.map((f) => [f.MetricTransformations[0]?.MetricName, f.FilterPattern, f.MetricTransformations[0]?.Dimensions])).toEqual([
      ['AllowedPackets', pattern(443, 6, 'ACCEPT'), undefined],
      ['RejectedPackets', pattern(443, 6, 'REJECT'), undefined],
    ]);
  });

  it('with several listeners: every listener adds to the totals, and each is published under its Port and Protocol too', () => {
    const filters = Object.values(
      metricFilters([
        { port: 443, protocol: 6 },
        { port: 53, protocol: 17 },
      ]),
    );
    const dims = [
      { Key: 'Port', Value: '$dstPort' },
      { Key: 'Protocol', Value: '$protocol' },
    ];
    expect(filters.map((f) => [f.MetricTransformations[0]?.MetricName, f.FilterPattern, f.MetricTransformations[0]?.Dimensions])).toEqual(
      expect.arrayContaining([
        ['AllowedPackets', pattern(443, 6, 'ACCEPT'), undefined],
        ['RejectedPackets', pattern(443, 6, 'REJECT'), undefined],
        ['AllowedPackets', pattern(53, 17, 'ACCEPT'), undefined],
        ['RejectedPackets', pattern(53, 17, 'REJECT'), undefined],
        ['AllowedPackets', pattern(443, 6, 'ACCEPT'), dims],
        ['RejectedPackets', pattern(443, 6, 'REJECT'), dims],
        ['AllowedPackets', pattern(53, 17, 'ACCEPT'), dims],
        ['RejectedPackets', pattern(53, 17, 'REJECT'), dims],
      ]),
    );
    expect(filters).toHaveLength(8);
    expect(filters.every((f) => f.MetricTransformations[0]?.MetricValue === '$packets')).toBe(true);
  });

  it("keeps the first listener's filters under the ids they had with one listener", () => {
    const one = Object.keys(metricFilters([{ port: 443, protocol: 6 }]));
    const two = Object.keys(
      metricFilters([
        { port: 443, protocol: 6 },
        { port: 53, protocol: 17 },
      ]),
    );
    expect(two).toEqual(expect.arrayContaining(one));
  });
});
