export const PREFIX = 'route53.v1beta1.tetrate.io/';

/** The annotation keys of external-dns, which this controller does not read. */
export const EXTERNAL_DNS_PREFIXES = [
  'external-dns.alpha.kubernetes.io/',
  'external-dns.kubernetes.io/',
] as const;

/**
 * Keys people bring over from external-dns (or guess from its names) that aws-controller does
 * not support, with what to do instead. Under our prefix they are denied like any unknown key,
 * but saying "not supported" beats a list of every key or a "did you mean" to a key that does
 * something else.
 */
const GEOPROXIMITY =
  'it has no geoproximity routing (weighted, latency, failover, geolocation and multivalue answer are supported)';

export const UNSUPPORTED_KEYS: Readonly<Record<string, string>> = {
  'aws-geoproximity-region': GEOPROXIMITY,
  'aws-geoproximity-bias': GEOPROXIMITY,
  'aws-geoproximity-coordinates': GEOPROXIMITY,
  'aws-geoproximity-local-zone-group': GEOPROXIMITY,
  'aws-hosted-zone-id':
    "a record goes to the most specific hosted zone that holds its name, within the domain filter (the alias target's zone is aws-target-hosted-zone)",
  'aws-zone-type': 'the syncer chooses public or private zones with its --zone-type flag',
  'aws-zone-match-parent': 'the syncer matches zones by the domain filter',
  'aws-batch-change-size': 'the syncer sizes batches to Route 53 limits itself',
  'record-type':
    'the record type follows from the targets (A/AAAA for IPs, alias or CNAME for a hostname)',
  'gateway-hostname-source': 'use ingress-hostname-source, which applies to every kind',
};
