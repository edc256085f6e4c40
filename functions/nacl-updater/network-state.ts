import { cidrText, parseNetwork, type Network } from '../../core/addresses';
import { newestRecord, parseActiveRecord, type ActiveRecord } from '../../core/acl-state-check';
import type { SubnetAssociation } from '../../core/blue-green';
import type { TelemetryLogger } from '../common/telemetry';
import { ACTIVE_ACL_TAG, WATERMARK_TAG, type UpdaterConfig } from './contract';
import type { AclGateway, DescribedAcl } from './ec2-acls';

/** What the updater reads of the network at the start of every run: nothing of it is cached across runs. */
export interface NetworkState {
  readonly subnets: SubnetAssociation[];
  readonly original: DescribedAcl;
  readonly blue: DescribedAcl;
  readonly green: DescribedAcl;
  /** Newest watermark tag of blue and green, ms. */
  readonly watermark: number | undefined;
  /** Newest record of the ACL made active, of blue's and green's tags (core/acl-state-check.ts). */
  readonly activeRecord: ActiveRecord | undefined;
  /** The VPC's CIDRs recorded at deploy time and those associated with it now. */
  readonly vpcNetworks: readonly Network[];
}

/** Reads the network state; remembers which CIDRs associated since deploy it has already logged. */
export class NetworkStateReader {
  /** VPC CIDRs associated since deploy that were already logged. */
  private readonly reportedCidrs = new Set<string>();

  constructor(private readonly deps: { readonly config: UpdaterConfig; readonly acls: AclGateway; readonly logger: TelemetryLogger }) {}

  async read(): Promise<NetworkState> {
    const { config, acls } = this.deps;
    const subnets = await acls.subnetAssociations(config.subnetIds);
    const described = await acls.describe([config.originalNaclId, config.blueNaclId, config.greenNaclId]);
    const blue = described.get(config.blueNaclId)!;
    const green = described.get(config.greenNaclId)!;
    const marks = [blue, green].map((acl) => Date.parse(acl.tags[WATERMARK_TAG] ?? '')).filter(Number.isFinite);
    const vpcNetworks = await this.vpcNetworks();
    return {
      subnets,
      original: described.get(config.originalNaclId)!,
      blue,
      green,
      watermark: marks.length > 0 ? Math.max(...marks) : undefined,
      activeRecord: newestRecord(...[blue, green].map((acl) => parseActiveRecord(acl.tags[ACTIVE_ACL_TAG]))),
      vpcNetworks,
    };
  }

  /**
   * The VPC's CIDRs as recorded at deploy time plus any associated with it since: an address of
   * the VPC is never blocked, whenever its CIDR was added. A CIDR removed since deploy stays
   * protected until the next deploy.
   */
  private async vpcNetworks(): Promise<Network[]> {
    const { config, acls, logger } = this.deps;
    const known = new Set(config.vpcNetworks.map(cidrText));
    const added = (await acls.vpcCidrs(config.vpcId))
      .map((cidr) => parseNetwork(cidr))
      .filter((n): n is Network => n !== undefined && !known.has(cidrText(n)));
    const fresh = added.map(cidrText).filter((cidr) => !this.reportedCidrs.has(cidr));
    if (fresh.length > 0) {
      logger.warn('VPC CIDRs associated since deploy: protected from now on; redeploy so that detection leaves them out too', {
        cidrs: fresh,
      });
      for (const cidr of fresh) this.reportedCidrs.add(cidr);
    }
    return [...config.vpcNetworks, ...added];
  }
}
