import type { ScenarioSpec } from './generator';

/** The flooders of the reference blog's story: 20 sources, distinct volumes (distinct Z-scores). */
export const BLOG_FLOODERS = Array.from({ length: 20 }, (_, i) => `203.0.113.${10 + i}`);

/**
 * The reference blog's story. Three hundred sources send 200-3,000 packets a minute for three
 * and a half hours. At minute 70, 20 sources flood with 24,000-52,500 packets a minute each (the
 * two weakest for one minute, the others for three): with the default quota of 20 rules (one
 * taken by the mirrored allow-all rule, one by the default deny) the 18 strongest get deny
 * rules, the 2 weakest are reported unblocked. At minute 100 the 18 come back for 5 minutes:
 * their rules still hold, so that traffic is rejected at once. The rules expire an hour after
 * the last anomalous minute and the subnets go back to their original network ACL.
 */
export const BLOG_STORY: ScenarioSpec = {
  name: 'blog-story',
  description: '300 steady sources; 20 flooders at minute 70, 18 of them again at minute 100; quota 20',
  startEpoch: Date.UTC(2026, 0, 15, 9, 0, 0) / 1000,
  minutes: 210,
  seed: 20260115,
  steadySources: 300,
  steadyPackets: [200, 3000],
  steadyPresence: 0.9,
  waves: [
    { sources: BLOG_FLOODERS.slice(0, 2), fromMinute: 70, minutes: 1, packets: 24_000, packetsStep: 1_500 },
    { sources: BLOG_FLOODERS.slice(2), fromMinute: 70, minutes: 3, packets: 27_000, packetsStep: 1_500 },
    { sources: BLOG_FLOODERS.slice(2), fromMinute: 100, minutes: 5, packets: 27_000, packetsStep: 1_500 },
  ],
  listenerPort: 443,
  listenerProtocol: 6,
  vpcCidrs: ['10.0.0.0/16', '2600:1f18:4a3:6900::/56'],
  endpoint: '10.0.1.10',
};
