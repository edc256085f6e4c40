/** Faults of the EC2 API the updater writes network ACLs through: throttling, quotas, concurrent changes, a timeout. */
import {
  CreateNetworkAclEntryCommand,
  CreateTagsCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  DescribeVpcsCommand,
  ReplaceNetworkAclAssociationCommand,
  ReplaceNetworkAclEntryCommand,
  type CreateNetworkAclEntryCommandInput,
  type ReplaceNetworkAclAssociationCommandInput,
} from '@aws-sdk/client-ec2';
import { ec2Error } from '../../../simulation/ec2/errors';
import { logged, metric, type FaultCase } from '../evidence';

const throttled = () => ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503);
const ec2Commands = [
  ['DescribeNetworkAcls', DescribeNetworkAclsCommand],
  ['DescribeVpcs', DescribeVpcsCommand],
  ['CreateNetworkAclEntry', CreateNetworkAclEntryCommand],
  ['ReplaceNetworkAclEntry', ReplaceNetworkAclEntryCommand],
  ['DeleteNetworkAclEntry', DeleteNetworkAclEntryCommand],
  ['ReplaceNetworkAclAssociation', ReplaceNetworkAclAssociationCommand],
  ['CreateTags', CreateTagsCommand],
] as const;

export const ec2Cases: FaultCase[] = [
  ...ec2Commands.map(([name, command]): FaultCase => ({
    name: `EC2 RequestLimitExceeded on ${name}`,
    handling:
      name === 'CreateTags'
        ? 'Retried with backoff; the watermark and active-ACL tags are records only: the verdict stays applied, the failure is logged, the container remembers the ACL it made active'
        : 'Retried with backoff (counted); still throttled, the invocation fails before any subnet moves onto a half-written ACL; the message goes back to the verdict queue and is tried again seconds later, and the next verdict converges',
    evidence: {
      log: name === 'CreateTags' ? logged(['error'], 'could not record the applied message time') : 'invocation error',
      metric: metric('Ec2ApiRetries'),
    },
    arm: ({ deployment }) => deployment.faults.fail(command, throttled),
  })),
  {
    name: 'NetworkAclEntryLimitExceeded (account quota 5, configured 20)',
    handling:
      'Refused rules reported unblocked, never counted blocked; the real quota is learnt; an ACL with no deny rule placed is not swapped in',
    evidence: { log: logged(['warn'], 'deny rules refused by the account quota'), metric: metric('AclEntryLimitExceeded') },
    deployment: { accountRuleLimit: 5 },
    arm: () => undefined,
  },
  {
    name: 'ACL entry changed by someone else mid-run',
    handling:
      'The call fails (entry exists); the invocation fails before moving subnets; the next run re-reads and rewrites the inactive ACL',
    evidence: { log: 'invocation error', metric: 'Lambda Errors' },
    arm: ({ deployment }) =>
      deployment.faults.on(
        CreateNetworkAclEntryCommand,
        async (input, next) => {
          const entry = input as CreateNetworkAclEntryCommandInput;
          await deployment.ec2.createNetworkAclEntry({
            NetworkAclId: entry.NetworkAclId,
            RuleNumber: entry.RuleNumber,
            Egress: entry.Egress,
            Protocol: '-1',
            RuleAction: 'allow',
            CidrBlock: '0.0.0.0/0',
          });
          return next(input);
        },
        1,
      ),
  },
  {
    name: 'subnet association changed by someone else mid-run',
    handling:
      'ReplaceNetworkAclAssociation answers NotFound for the id read, replaced since: never retried nor guessed at; the run ends without change; the next run reads the new association, completes the move onto the ACL recorded active and converges',
    evidence: { log: logged(['error'], 'network ACL in use unknown'), metric: metric('AclStateUnknown') },
    arm: ({ deployment }) =>
      deployment.faults.on(
        ReplaceNetworkAclAssociationCommand,
        async (input, next) => {
          const { AssociationId } = input as ReplaceNetworkAclAssociationCommandInput;
          const subnet = deployment.subnetIds.find((id) => deployment.ec2.associationIdOf(id) === AssociationId)!;
          await deployment.ec2.replaceNetworkAclAssociation({ AssociationId, NetworkAclId: deployment.ec2.aclOf(subnet) });
          return next(input);
        },
        1,
      ),
  },
  {
    name: 'updater time budget ends half-way through moving subnets',
    handling:
      'Subnets are split, each on a fully written ACL (the target was complete before the first move); the next run finds them off the ACL recorded active, reads again, then completes the move onto it',
    evidence: { log: 'invocation error', metric: 'Lambda Errors' },
    arm: ({ deployment }) =>
      deployment.faults.on(
        ReplaceNetworkAclAssociationCommand,
        async (input, next) => {
          await next(input);
          throw new Error('Task timed out after 120.00 seconds');
        },
        1,
      ),
  },
];
