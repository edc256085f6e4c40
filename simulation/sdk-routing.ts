/**
 * Wires in-process stand-ins into real AWS SDK v3 client instances: `send(command)` goes to the
 * stand-in's function for that command class. A command with no route fails loudly, so a
 * handler calling an API the simulation does not model cannot silently get `undefined`.
 */
// The SDK's Command classes: we only need `instanceof` and `.input`.
type CommandClass = abstract new (...args: never[]) => { readonly input: unknown };
export type Route = readonly [CommandClass, (input: never, call: SentCall) => unknown];

/** What a call was sent with besides its input: the client (its timeouts and retries) and the caller's abort signal. */
export interface SentCall {
  readonly client: object;
  readonly abortSignal?: AbortSignal;
}

export function routeCommands<C extends object>(client: C, routes: readonly Route[]): C {
  const send = async (command: { input: unknown; constructor: { name: string } }, options?: { abortSignal?: AbortSignal }) => {
    const route = routes.find(([type]) => command instanceof type);
    if (!route) throw new Error(`simulation: ${command.constructor.name} is not modelled by any stand-in`);
    // As the SDK: a call sent with an aborted signal is not sent.
    if (options?.abortSignal?.aborted) throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    // Each call gets its own copy of the input, as a request on the wire would.
    const call: SentCall = { client, ...(options?.abortSignal ? { abortSignal: options.abortSignal } : {}) };
    return (route[1] as (input: unknown, call: SentCall) => unknown)(structuredClone(command.input), call);
  };
  Object.defineProperty(client, 'send', { value: send, configurable: true, writable: true });
  return client;
}
