export const PREFIX = 'route53.v1beta1.tetrate.io/';

/** The annotation keys of external-dns, which this controller does not read. */
export const EXTERNAL_DNS_PREFIXES = [
  'external-dns.alpha.kubernetes.io/',
  'external-dns.kubernetes.io/',
] as const;
