import { afterEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../../functions/summarizer/handler';
import { SUMMARIZER_ENV } from '../../support/builders';

describe('summarizer Lambda entry', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('fails at cold start with a message naming the bad variable', async () => {
    // Prepare
    for (const [name, value] of Object.entries({ ...SUMMARIZER_ENV, LISTENERS: 'https' })) vi.stubEnv(name, value);

    // Act / Assess
    await expect(handler({}, { getRemainingTimeInMillis: () => 60_000 })).rejects.toThrow(
      /LISTENERS \("https"\): has "https", not a listener/,
    );
  });
});
