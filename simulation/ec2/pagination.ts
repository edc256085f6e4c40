import { ec2Error } from './errors';

const PAGE_MIN = 5;
const PAGE_MAX = 1000;

/**
 * Pagination of the Describe calls as EC2 does it: MaxResults 5-1000, and a NextToken valid only
 * for the request that issued it (same ids, filters and page size).
 */
export class DescribePages {
  private readonly tokens = new Map<string, { key: string; offset: number }>();

  /** `newToken` gives each token its id (the stand-in's id sequence, so ids stay what they were). */
  constructor(private readonly newToken: () => string) {}

  /** One page of `items`; `request` holds the parameters besides Filters and MaxResults that a token is bound to. */
  page<T>(
    items: readonly T[],
    input: { Filters?: unknown; MaxResults?: number; NextToken?: string },
    request: Record<string, unknown>,
  ): { page: T[]; NextToken?: string } {
    if (input.MaxResults !== undefined && (input.MaxResults < PAGE_MIN || input.MaxResults > PAGE_MAX)) {
      throw ec2Error('InvalidParameterValue', `MaxResults must be between ${PAGE_MIN} and ${PAGE_MAX}`);
    }
    const key = JSON.stringify({ ...request, filters: input.Filters ?? [], max: input.MaxResults ?? null });
    let offset = 0;
    if (input.NextToken !== undefined) {
      const token = this.tokens.get(input.NextToken);
      if (!token || token.key !== key) throw ec2Error('InvalidNextToken', 'The specified NextToken is not valid');
      offset = token.offset;
    }
    const size = input.MaxResults ?? items.length;
    let NextToken: string | undefined;
    if (offset + size < items.length) {
      NextToken = this.newToken();
      this.tokens.set(NextToken, { key, offset: offset + size });
    }
    return { page: items.slice(offset, offset + size), NextToken };
  }
}
