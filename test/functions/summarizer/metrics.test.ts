import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../core/metrics';
import { addRunMetrics, SUMMARIZER_METRIC_NAMES } from '../../../functions/summarizer/metrics';
import { TelemetryCapture } from '../../../simulation/telemetry-capture';
import { runMetrics } from '../../support/output';

describe('summarizer metrics', () => {
  it('are exactly the core metrics whose source is the summarizer', () => {
    const fromCore = Object.entries(Metrics)
      .filter(([, definition]) => definition.source === 'summarizer')
      .map(([name]) => name);
    expect([...SUMMARIZER_METRIC_NAMES].sort()).toEqual(fromCore.sort());
  });

  it('are written as one EMF document in the configured namespace, with VpcId as the only dimension and the values the run reached', () => {
    // Prepare
    const capture = new TelemetryCapture();
    const telemetry = capture.telemetry({ serviceName: 'summarizer', metricsNamespace: 'Custom/Namespace', vpcId: 'vpc-0abc12345' });

    // Act
    addRunMetrics(telemetry.metrics, {
      UniqueSourceIPs: 4,
      FlowLogDeliveryLag: 312.5,
      InsightsBytesScanned: 2048,
      OutlierSourceIPs: undefined,
    });
    telemetry.flush();

    // Assess
    expect(runMetrics(capture)).toEqual({
      namespace: 'Custom/Namespace',
      dimensions: { sets: [['VpcId']], VpcId: 'vpc-0abc12345' },
      values: { UniqueSourceIPs: 4, FlowLogDeliveryLag: 312.5, InsightsBytesScanned: 2048 },
      units: { UniqueSourceIPs: 'Count', FlowLogDeliveryLag: 'Seconds', InsightsBytesScanned: 'Bytes' },
    });
  });
});
