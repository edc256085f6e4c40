/**
 * The endpoint's listeners from the context (lib/config.ts): `listeners=443/tcp,80/tcp,53/udp`, or
 * the one listener of `listenerPort` and `listenerProtocol`; never both forms.
 */
import { MAX_LISTENERS, parseListenerList, PROTOCOL_NUMBERS, type Listener } from '../core/listeners';

/** A problem with one key's value; lib/config.ts collects them. */
export class ListenerKeyProblem extends Error {}

type Read = (key: string) => unknown;

const FIX = `Fix: -c listeners=443/tcp,53/udp (<port>/<tcp|udp>, comma-separated, each once, at most ${MAX_LISTENERS}).`;

function isUnset(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** Whether the context names its listeners with the `listeners` key (then listenerPort and listenerProtocol are not required). */
export function usesListenerList(read: Read): boolean {
  return !isUnset(read('listeners'));
}

/**
 * The listeners of the `listeners` key, checking that the one-listener keys are not set too;
 * undefined when the key is not set (the caller reads listenerPort and listenerProtocol).
 */
export function listenerList(read: Read): Listener[] | undefined {
  const raw = read('listeners');
  if (isUnset(raw)) return undefined;
  const both = ['listenerPort', 'listenerProtocol'].filter((key) => !isUnset(read(key)));
  if (both.length > 0)
    throw new ListenerKeyProblem(
      `listeners and ${both.join(' and ')} are both set: they are two forms of the same setting. ` +
        `Fix: keep -c listeners=... and drop ${both.map((key) => `-c ${key}`).join(' and ')}, or the reverse.`,
    );
  const items = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',') : undefined;
  if (items === undefined) throw new ListenerKeyProblem(`listeners must be text, got ${JSON.stringify(raw)}. ${FIX}`);
  const parsed = parseListenerList(items);
  if (!parsed.ok)
    throw new ListenerKeyProblem(`listeners ${JSON.stringify(Array.isArray(raw) ? raw.join(',') : raw)} ${parsed.problem}. ${FIX}`);
  return parsed.listeners;
}

/** The required keys that are unset; `listeners` stands in for listenerPort and listenerProtocol. */
export function missingKeys<K extends string>(read: Read, required: readonly K[]): K[] {
  const listed = usesListenerList(read);
  return required.filter((key) => isUnset(read(key)) && !(listed && (key === 'listenerPort' || key === 'listenerProtocol')));
}

function protocol(read: Read): keyof typeof PROTOCOL_NUMBERS {
  const raw = read('listenerProtocol');
  const value = typeof raw === 'string' ? raw.trim().toUpperCase() : undefined;
  if (value !== 'TCP' && value !== 'UDP') {
    const shown = typeof raw === 'string' ? `"${raw}"` : JSON.stringify(raw);
    throw new ListenerKeyProblem(`listenerProtocol ${shown} is not supported. Fix: -c listenerProtocol=TCP or -c listenerProtocol=UDP.`);
  }
  return value;
}

/**
 * `listeners`, or the one listener of listenerPort (read by `port`) and listenerProtocol, each read
 * by `check` (which records a problem and returns undefined), so a bad port and a bad protocol both show.
 */
export function readListeners(read: Read, check: <T>(fn: () => T) => T, port: () => number): Listener[] {
  if (usesListenerList(read)) return check(() => listenerList(read) as Listener[]);
  const number = check(port);
  const name = check(() => protocol(read));
  return number === undefined || name === undefined ? (undefined as never) : [{ port: number, protocol: PROTOCOL_NUMBERS[name] }];
}
