import { CONTEXT_BOUNDS, DEFAULTS, OPTIONAL_KEYS, REQUIRED_KEYS } from '../../../lib/config';
import { CONTEXT_KEY_HELP, type ContextKey } from '../../../lib/context-keys';
import type { Table } from '../markdown';

type Bounds = (typeof CONTEXT_BOUNDS)[keyof typeof CONTEXT_BOUNDS];

/** Every context key (lib/config.ts) with its meaning (lib/context-keys.ts), default and bounds. */
export function contextKeysTable(): Table {
  const keys: ContextKey[] = [...REQUIRED_KEYS, ...(Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]), ...OPTIONAL_KEYS];
  return {
    header: ['Key', 'Meaning', 'Default', 'Validation'],
    rows: keys.map((key) => [`\`${key}\``, CONTEXT_KEY_HELP[key].meaning, defaultText(key), validationText(key)]),
  };
}

function defaultText(key: ContextKey): string {
  if ((REQUIRED_KEYS as readonly string[]).includes(key)) return 'required';
  if (key in DEFAULTS) {
    const value = DEFAULTS[key as keyof typeof DEFAULTS];
    return typeof value === 'string' ? `\`${value}\`` : String(value);
  }
  return CONTEXT_KEY_HELP[key].whenUnset ?? 'none';
}

function validationText(key: ContextKey): string {
  const help = CONTEXT_KEY_HELP[key];
  const bounds = (CONTEXT_BOUNDS as Partial<Record<string, Bounds>>)[key];
  const accepted = bounds ? boundsText(bounds) : help.accepts;
  if (accepted === undefined)
    throw new Error(`context key ${key} has neither bounds (lib/config.ts) nor an "accepts" text (lib/context-keys.ts)`);
  return [accepted, help.alsoRequires].filter(Boolean).join(', ');
}

function boundsText(bounds: Bounds): string {
  if ('above' in bounds) return `number > ${bounds.above}, at most ${bounds.max}`;
  return bounds.max >= Number.MAX_SAFE_INTEGER ? `whole number >= ${bounds.min}` : `whole number ${bounds.min}-${bounds.max}`;
}
