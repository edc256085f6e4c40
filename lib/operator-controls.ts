/**
 * Context keys of the operator controls: report-only mode and block notifications (docs/report-mode.md,
 * docs/notifications.md). Pure, like lib/config.ts, which merges these into the configuration and
 * reports their problems with the rest.
 */
import { UPDATER_DEFAULTS, UPDATER_MODES, type UpdaterMode } from '../functions/nacl-updater/contract';

export const CONTROL_DEFAULTS = {
  mode: UPDATER_DEFAULTS.mode,
} as const;

export interface OperatorControls {
  readonly mode: UpdaterMode;
}

/** Reads one context value; `undefined` when the key is not set. */
type ContextReader = (key: string) => unknown;

/** The controls, and one message per bad key (naming the key, the value and the fix). */
export function parseControls(read: ContextReader): { controls: OperatorControls; problems: string[] } {
  const problems: string[] = [];
  const controls: OperatorControls = { mode: mode(read, problems) };
  return { controls, problems };
}

function mode(read: ContextReader, problems: string[]): UpdaterMode {
  const value = read('mode');
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return CONTROL_DEFAULTS.mode;
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (text !== undefined && (UPDATER_MODES as readonly string[]).includes(text)) return text as UpdaterMode;
  problems.push(
    `mode ${JSON.stringify(value)} is not a mode. Fix: -c mode=block (apply the verdicts, the default) or -c mode=report (report only, change no ACL).`,
  );
  return CONTROL_DEFAULTS.mode;
}
