import { afterEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../../functions/nacl-updater/handler';
import { sqsEvent } from '../../support/builders';

describe('handler (Lambda entry)', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('fails at cold start with a message naming the bad variables', async () => {
    // Prepare
    vi.stubEnv('VPC_ID', 'not-a-vpc');

    // Act
    const run = handler(sqsEvent([]));

    // Assess
    await expect(run).rejects.toThrow(/VPC_ID \("not-a-vpc"\): expected a VPC id/);
  });
});
