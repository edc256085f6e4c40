/**
 * Summarizer Lambda entry (placeholder while the detection path is built).
 */
export const handler = async (): Promise<void> => {
  throw new Error('summarizer not implemented yet');
};
