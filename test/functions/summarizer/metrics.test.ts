import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../core/metrics';
import { createMetrics, publishRunMetrics, SUMMARIZER_METRIC_NAMES } from '../../../functions/summarizer/metrics';
import { captureOutput, runMetrics } from '../../support/output';

describe('summarizer metrics', () => {
  it('are exactly the core metrics whose source is the summarizer', () => {
    const fromCore = Object.entries(Metrics)
      .filter(([, definition]) => definition.source === 'summarizer')
      .map(([name]) => name);
    expect([...SUMMARIZER_METRIC_NAMES].sort()).toEqual(fromCore.sort());
  });

  it('are written as one EMF document in the configured namespace with VpcId as the only dimension', () => {
    // Prepare
    const out = captureOutput();
    const metrics = createMetrics('Custom/Namespace', 'summarizer', 'vpc-0abc12345');

    // Act
    publishRunMetrics(metrics, { UniqueSourceIPs: 4, FlowLogDeliveryLag: 312.5, InsightsBytesScanned: 2048 });

    // Assess
    expect(runMetrics(out)).toEqual({
      namespace: 'Custom/Namespace',
      dimensions: { sets: [['VpcId']], VpcId: 'vpc-0abc12345' },
      values: { UniqueSourceIPs: 4, FlowLogDeliveryLag: 312.5, InsightsBytesScanned: 2048 },
      units: { UniqueSourceIPs: 'Count', FlowLogDeliveryLag: 'Seconds', InsightsBytesScanned: 'Bytes' },
    });
  });
});
