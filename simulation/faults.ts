/**
 * Fault injection for the simulated deployment: any SDK command routed to a stand-in can be made
 * to fail, answer differently, take time, or have the world change under it, for a number of
 * calls or until cleared. Observers see every successful call (to check invariants mid-run).
 */
import { hungCall, type HangClock } from './hung-calls';
import type { Route, SentCall } from './sdk-routing';

type CommandClass = Route[0];
type Call = (input: unknown) => Promise<unknown>;
type Serve = (input: unknown, call: SentCall) => Promise<unknown>;

/** Replaces one call: `next` runs the stand-in (or the next fault) with an input; `call` is what it was sent with. */
export type Interceptor = (input: unknown, next: Call, call: SentCall) => Promise<unknown>;

interface Rule {
  readonly command: CommandClass;
  readonly intercept: Interceptor;
  remaining: number;
}

export class FaultInjector {
  private readonly rules: Rule[] = [];
  private readonly observers: { command: CommandClass | undefined; observe: (command: string, input: unknown, output: unknown) => void }[] =
    [];
  /** Calls a fault answered, per command name. */
  readonly fired = new Map<string, number>();

  /** The next `times` calls of `command` go through `intercept` (Infinity: until cleared). */
  on(command: CommandClass, intercept: Interceptor, times = Infinity): void {
    this.rules.push({ command, intercept, remaining: times });
  }

  /** The next `times` calls of `command` fail with the error. */
  fail(command: CommandClass, error: () => Error, times = Infinity): void {
    this.on(command, async () => Promise.reject(error()), times);
  }

  /**
   * The next `times` calls of `command` never answer: each ends as the client's request handler
   * and retry strategy end it (simulation/hung-calls.ts), on `clock`.
   */
  hang(command: CommandClass, clock: HangClock, times = Infinity): void {
    this.on(command, (_input, _next, call) => hungCall(call, clock), times);
  }

  /** Called after every successful call of `command` (every command when omitted). */
  observe(observe: (command: string, input: unknown, output: unknown) => void, command?: CommandClass): void {
    this.observers.push({ command, observe });
  }

  /** Removes every fault (observers stay). */
  clear(): void {
    this.rules.length = 0;
  }

  firedCount(): number {
    return [...this.fired.values()].reduce((a, b) => a + b, 0);
  }

  /** The routes with faults and observers applied; faults are looked up at call time. */
  wrap(routes: readonly Route[]): Route[] {
    return routes.map(
      ([command, handler]) =>
        [command, (input: never, call: SentCall) => this.call(command, handler as unknown as Serve, input, call)] as Route,
    );
  }

  private async call(command: CommandClass, handler: Serve, input: unknown, call: SentCall): Promise<unknown> {
    const rule = this.rules.find((r) => r.command === command && r.remaining > 0);
    let output: unknown;
    if (rule) {
      rule.remaining--;
      this.fired.set(command.name, (this.fired.get(command.name) ?? 0) + 1);
      output = await rule.intercept(input, async (i) => handler(i, call), call);
    } else {
      output = await handler(input, call);
    }
    for (const o of this.observers) if (o.command === undefined || o.command === command) o.observe(command.name, input, output);
    return output;
  }
}
