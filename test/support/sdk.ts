/**
 * How tests give AWS SDK v3 clients something to answer them. There are exactly two ways:
 *
 * - Unit tests of one handler or adapter stub the client class with `mockSdk(Client)`
 *   (aws-sdk-client-mock). Call it at module or describe level: every instance of the class is
 *   stubbed, the stub's behaviours and call history are reset after each test, and the class is
 *   restored after the file. Script answers with `.on(Command).resolves(...)`, read calls with
 *   `.commandCalls(Command)`.
 * - Integration tests run the code over the simulation's in-process stand-ins with
 *   `standInClient(client, standIn.routes(), faults)`: the same routing and fault injection the
 *   simulated deployment uses (simulation/sdk-routing.ts, simulation/faults.ts). Inject failures
 *   with `faults.fail(Command, ...)`, watch calls with `faults.observe(...)`.
 *
 * A test may route some clients to stand-ins and stub the others (the summarizer over the Timestream
 * stand-in with SNS stubbed); one client is never both. No hand-written fakes of `send`, no stand-in
 * behind a mock, and never a stub in place of the code under test: a stub answers for AWS, and only for AWS.
 */
import type { Client, MetadataBearer } from '@smithy/types';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { afterAll, afterEach } from 'vitest';
import { FaultInjector } from '../../simulation/faults';
import { routeCommands, type Route } from '../../simulation/sdk-routing';

/** Stubs every instance of an SDK client class for the tests of the calling file (or describe block). */
export function mockSdk<TInput extends object, TOutput extends MetadataBearer, TConfiguration>(client: {
  prototype: Client<TInput, TOutput, TConfiguration>;
}): AwsStub<TInput, TOutput, TConfiguration> {
  const stub = mockClient(client);
  afterEach(() => {
    stub.reset();
  });
  afterAll(() => {
    stub.restore();
  });
  return stub;
}

/** A client whose commands go to in-process stand-ins, through the fault injector when one is given. */
export function standInClient<C extends object>(client: C, routes: readonly Route[], faults?: FaultInjector): C {
  return routeCommands(client, faults ? faults.wrap(routes) : routes);
}

export { FaultInjector };
