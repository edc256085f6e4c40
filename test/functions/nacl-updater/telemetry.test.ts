import { afterEach, describe, expect, it, vi } from 'vitest';
import { powertoolsMetrics } from '../../../functions/nacl-updater/telemetry';

describe('powertoolsMetrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('emits EMF in the configured namespace with VpcId as the only dimension', () => {
    // Prepare
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const metrics = powertoolsMetrics('AutoNACL', 'nacl-updater', 'vpc-0123456789abcdef0');

    // Act
    metrics.count('BlockedSourceIPs', 18);
    metrics.count('UnblockedSourceIPs', 2);
    metrics.flush();

    // Assess
    const emf = written.map((line) => JSON.parse(line)).find((record) => record._aws);
    expect(emf._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'AutoNACL',
        Dimensions: [['VpcId']],
        Metrics: [
          { Name: 'BlockedSourceIPs', Unit: 'Count' },
          { Name: 'UnblockedSourceIPs', Unit: 'Count' },
        ],
      },
    ]);
    expect(emf).toMatchObject({ VpcId: 'vpc-0123456789abcdef0', BlockedSourceIPs: 18, UnblockedSourceIPs: 2 });
    expect(emf.service).toBeUndefined();
  });
});
