import { afterEach, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/summarizer/handler';
import { VALID_ENV } from './harness';

describe('summarizer Lambda entry', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('fails at cold start with a message naming the bad variable', async () => {
    // Prepare
    process.env = { ...saved, ...VALID_ENV, LISTENER_PORT: 'https' };

    // Act / Assess
    await expect(handler({}, { getRemainingTimeInMillis: () => 60_000 })).rejects.toThrow(
      /LISTENER_PORT \("https"\): expected a whole number/,
    );
  });
});
