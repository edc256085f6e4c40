/**
 * The one error for a configuration the product refuses: the stack's context keys at synth, a
 * function's environment at cold start, the monitoring construct's props. It lists every problem
 * at once, each naming the setting, the bad value and what to do instead, so one run shows them all.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  /**
   * @param problems one line per bad setting
   * @param subject what was being read, e.g. "summarizer environment"
   */
  constructor(
    readonly problems: readonly string[],
    subject = 'nacl-flood-guard configuration',
  ) {
    super(`Invalid ${subject}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}
