/**
 * Wires in-process stand-ins into real AWS SDK v3 client instances: `send(command)` goes to the
 * stand-in's function for that command class. A command with no route fails loudly, so a
 * handler calling an API the simulation does not model cannot silently get `undefined`.
 */
// The SDK's Command classes: we only need `instanceof` and `.input`.
type CommandClass = abstract new (...args: never[]) => { readonly input: unknown };
export type Route = readonly [CommandClass, (input: never) => unknown];

export function routeCommands<C extends object>(client: C, routes: readonly Route[]): C {
  const send = async (command: { input: unknown; constructor: { name: string } }) => {
    const route = routes.find(([type]) => command instanceof type);
    if (!route) throw new Error(`simulation: ${command.constructor.name} is not modelled by any stand-in`);
    // Each call gets its own copy of the input, as a request on the wire would.
    return (route[1] as (input: unknown) => unknown)(structuredClone(command.input));
  };
  Object.defineProperty(client, 'send', { value: send, configurable: true, writable: true });
  return client;
}
