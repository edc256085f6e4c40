/**
 * NACL updater Lambda entry (placeholder while the mitigation path is built).
 */
export const handler = async (): Promise<void> => {
  throw new Error('nacl-updater not implemented yet');
};
