/** Messages of the context validation that stand on their own: the example command and the missing-keys hint. */

export const EXAMPLE_COMMAND =
  'npx cdk deploy -c vpcId=vpc-0123456789abcdef0 -c subnetIds=subnet-0123456789abcdef0,subnet-0fedcba9876543210 -c listenerPort=443 -c listenerProtocol=TCP';

/** The one message when required keys are missing, with a hint at a key spelt in another case. */
export function missingMessage(missing: readonly string[], knownKeys: readonly string[]): string {
  const hints = missing.flatMap((key) => {
    const lookalike = knownKeys.find((k) => k !== key && k.toLowerCase() === key.toLowerCase());
    return lookalike ? [`(found "${lookalike}": context keys are case-sensitive, use "${key}")`] : [];
  });
  return [
    `Missing required context ${missing.length === 1 ? 'key' : 'keys'}: ${missing.join(', ')}.`,
    ...hints,
    ...(missing.some((key) => key.startsWith('listener'))
      ? ['(Several listeners: -c listeners=443/tcp,53/udp instead of listenerPort and listenerProtocol.)']
      : []),
    `Pass them on the command line (or under "context" in cdk.json), for example:\n    ${EXAMPLE_COMMAND}`,
  ].join(' ');
}
