/** Repeat offenders through the real updater, over the S3 and EC2 stand-ins: holds, the state object, its faults. */
import { GetObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { REPEAT_OFFENDER_STATE_KEY } from '../../../functions/nacl-updater/contract';
import { ALLOW_LIST_BUCKET, anomalyMessage as message, flooders, START } from '../../support/builders';
import { UpdaterWorld } from '../../support/updater-world';

const MINUTE = 60_000;
const OFFENDER = '198.51.100.1/32';
const s3Error = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });

/** Blocks the offender, lifts it (k = 0), blocks it again (k = 1) and sends the first verdict without it; returns that verdict's time. */
async function secondBlockDropped(world: UpdaterWorld, t0 = START): Promise<number> {
  await world.deliver(message(world.vpcId, flooders(1), { generatedAt: t0 }));
  await world.deliver(message(world.vpcId, [], { generatedAt: t0 + MINUTE }));
  expect(world.activeAclId()).toBe(world.originalAclId);
  await world.deliver(message(world.vpcId, flooders(1), { generatedAt: t0 + 2 * MINUTE }));
  await world.deliver(message(world.vpcId, [], { generatedAt: t0 + 3 * MINUTE }));
  return t0 + 3 * MINUTE;
}

function storedState(world: UpdaterWorld): { networks: Record<string, { blocks: string[]; k: number; holdUntil?: string }> } {
  return JSON.parse(world.s3.bodyOf(ALLOW_LIST_BUCKET, REPEAT_OFFENDER_STATE_KEY)!.toString());
}

describe('NACL updater: repeat offenders', () => {
  it('keeps a source blocked again within the window 2 x windowMinutes after its window start, across a cold start', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ repeatOffenderWindowHours: 24 });
    const dropped = await secondBlockDropped(world);
    const held = world.deniedCidrs();
    const state = storedState(world);

    // Act: a new container, one minute before and at the hold-until (the window start of 60 minutes + 120 minutes)
    world.coldStart();
    await world.deliver(message(world.vpcId, [], { generatedAt: dropped + 60 * MINUTE - 1 }));
    const stillHeld = world.deniedCidrs();
    await world.deliver(message(world.vpcId, [], { generatedAt: dropped + 60 * MINUTE }));

    // Assess
    expect(held).toEqual([OFFENDER]);
    expect(state.networks[OFFENDER]).toEqual({
      blocks: [new Date(START).toISOString(), new Date(START + 2 * MINUTE).toISOString()],
      k: 1,
      holdUntil: new Date(dropped + 60 * MINUTE).toISOString(),
    });
    expect(stillHeld).toEqual([OFFENDER]);
    expect(world.activeAclId()).toBe(world.originalAclId);
    expect(storedState(world).networks[OFFENDER]).not.toHaveProperty('holdUntil');
    expect(world.telemetry.logs.some((l) => l.message === 'rules kept for repeat offenders')).toBe(true);
  });

  it('reads and writes nothing while it is off (0), and lifts as the reference does', async () => {
    // Prepare
    const world = await UpdaterWorld.create();

    // Act
    await secondBlockDropped(world);

    // Assess
    expect(world.activeAclId()).toBe(world.originalAclId);
    expect(world.inputsOf(GetObjectCommand).some((i) => (i as { Key: string }).Key === REPEAT_OFFENDER_STATE_KEY)).toBe(false);
    expect(world.inputsOf(PutObjectCommand)).toEqual([]);
    expect(world.telemetry.lastMetricValues()).not.toHaveProperty('RepeatOffenderHolds');
  });

  it('treats a corrupt state as lost: counted, logged, the reference rule (k = 0) in a new container, and the object written again', async () => {
    // Prepare: the second block happens in a container that never read the state, over garbage
    const world = await UpdaterWorld.create({ repeatOffenderWindowHours: 24 });
    await world.deliver(message(world.vpcId, flooders(1), { generatedAt: START }));
    await world.deliver(message(world.vpcId, [], { generatedAt: START + MINUTE }));
    world.s3.putObject(ALLOW_LIST_BUCKET, REPEAT_OFFENDER_STATE_KEY, Buffer.from([0xc3, 0x28, 0xff]));
    world.coldStart();

    // Act
    await world.deliver(message(world.vpcId, flooders(1), { generatedAt: START + 2 * MINUTE }));
    await world.deliver(message(world.vpcId, [], { generatedAt: START + 3 * MINUTE }));

    // Assess: never shorter than the reference, which lifts it now
    expect(world.activeAclId()).toBe(world.originalAclId);
    expect(world.telemetry.metricValues().some((m) => m.RepeatOffenderStateReadFailures === 1)).toBe(true);
    expect(world.telemetry.logs.findLast((l) => l.message.startsWith('repeat-offender state lost or corrupt'))?.entry.reason).toContain(
      'not UTF-8 text',
    );
    expect(storedState(world).networks[OFFENDER]).toMatchObject({ k: 0 });
  });

  it('keeps every rule in place when the state cannot be read in a container that knows none, and writes nothing', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ repeatOffenderWindowHours: 24 });
    await world.deliver(message(world.vpcId, flooders(1), { generatedAt: START }));
    const before = world.s3.etagOf(ALLOW_LIST_BUCKET, REPEAT_OFFENDER_STATE_KEY);
    world.coldStart();
    world.faults.on(GetObjectCommand, async (input, next) => {
      if ((input as { Key?: string }).Key === REPEAT_OFFENDER_STATE_KEY) throw s3Error('AccessDenied', 403);
      return next(input);
    });

    // Act: a verdict that would lift the rule (k = 0)
    await world.deliver(message(world.vpcId, [], { generatedAt: START + MINUTE }));

    // Assess
    expect(world.deniedCidrs()).toEqual([OFFENDER]);
    expect(world.s3.etagOf(ALLOW_LIST_BUCKET, REPEAT_OFFENDER_STATE_KEY)).toBe(before);
    expect(world.telemetry.logs.find((l) => l.message.startsWith('repeat-offender state read failed'))?.entry.reason).toContain(
      'AccessDenied (HTTP 403)',
    );
  });

  it('keeps the state in the container when a write fails, counts it, and writes it again on the next run', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ repeatOffenderWindowHours: 24 });
    let refuse = true;
    world.faults.on(PutObjectCommand, async (input, next) => {
      if (refuse) throw s3Error('InternalError', 500);
      return next(input);
    });

    // Act
    const dropped = await secondBlockDropped(world);
    refuse = false;
    await world.deliver(message(world.vpcId, [], { generatedAt: dropped + MINUTE }));

    // Assess: the hold came from the container's own state, and the object now has it
    expect(world.deniedCidrs()).toEqual([OFFENDER]);
    expect(world.telemetry.metricValues().some((m) => m.RepeatOffenderStateWriteFailures === 1)).toBe(true);
    expect(storedState(world).networks[OFFENDER]).toMatchObject({ k: 1, holdUntil: new Date(dropped + 60 * MINUTE).toISOString() });
  });
});
