import type { IntegerBounds, PositiveBounds } from '../../functions/common/contract';

/** One value of a bounded setting and whether every validator must accept it. */
export interface BoundaryCase<K extends string> {
  readonly key: K;
  readonly value: number;
  readonly accepted: boolean;
}

/**
 * The values at each bound (accepted) and one step past it (rejected), for every setting of a
 * bounds table: whole numbers step by 1; a number bounded below by an exclusive limit is rejected
 * at that limit and accepted a hundredth above it.
 */
export function boundaryCases<K extends string>(bounds: Record<K, IntegerBounds | PositiveBounds>): BoundaryCase<K>[] {
  return (Object.entries(bounds) as [K, IntegerBounds | PositiveBounds][]).flatMap(([key, range]) => {
    const values: [number, boolean][] =
      'min' in range
        ? [
            [range.min, true],
            [range.max, true],
            [range.min - 1, false],
            [range.max + 1, false],
          ]
        : [
            [range.above + 0.01, true],
            [range.max, true],
            [range.above, false],
            [range.max + 0.01, false],
          ];
    return values.map(([value, accepted]) => ({ key, value, accepted }));
  });
}

/** How a case reads in a test name. */
export function caseName({ key, value, accepted }: BoundaryCase<string>): string {
  return `${key} = ${value} is ${accepted ? 'accepted' : 'rejected'}`;
}
