import { Logger } from '@aws-lambda-powertools/logger';

/** One structured log line a handler wrote. */
export interface CapturedLog {
  readonly at: number;
  readonly source: 'summarizer' | 'nacl-updater';
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: unknown[];
}

/** A Powertools Logger that records instead of printing, so runs can be checked for what they logged. */
export class CapturingLogger extends Logger {
  constructor(
    serviceName: string,
    private readonly sink: CapturedLog[],
    private readonly now: () => number,
  ) {
    super({ serviceName, logLevel: 'SILENT' });
  }

  private record(level: CapturedLog['level'], input: unknown, extra: unknown[]): void {
    this.sink.push({
      at: this.now(),
      source: 'summarizer',
      level,
      message: typeof input === 'string' ? input : JSON.stringify(input),
      attributes: extra,
    });
  }

  override debug(input: Parameters<Logger['debug']>[0], ...extra: unknown[]): void {
    this.record('debug', input, extra);
  }

  override info(input: Parameters<Logger['info']>[0], ...extra: unknown[]): void {
    this.record('info', input, extra);
  }

  override warn(input: Parameters<Logger['warn']>[0], ...extra: unknown[]): void {
    this.record('warn', input, extra);
  }

  override error(input: Parameters<Logger['error']>[0], ...extra: unknown[]): void {
    this.record('error', input, extra);
  }
}

/** The updater's logger interface, recording. */
export function capturingUpdaterLogger(sink: CapturedLog[], now: () => number) {
  const record = (level: CapturedLog['level']) => (message: string, attributes?: Record<string, unknown>) =>
    void sink.push({ at: now(), source: 'nacl-updater', level, message, attributes: attributes === undefined ? [] : [attributes] });
  return { info: record('info'), warn: record('warn'), error: record('error') };
}
