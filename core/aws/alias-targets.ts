// AWS endpoints a Route 53 alias can point at, and the canonical hosted zone of each.
// Route 53 needs the target's hosted zone ID in every alias; for load balancers it depends
// on the region and on the kind (ALB/CLB share one, NLB has another). Source: the AWS
// "Elastic Load Balancing endpoints and quotas", CloudFront and Global Accelerator docs.
// A target this table does not know can still be aliased with `aws-target-hosted-zone`.

/** [ALB and Classic LB zone, NLB zone] per region. */
const ELB_ZONES: Readonly<Record<string, readonly [string, string]>> = {
  'us-east-1': ['Z35SXDOTRQ7X7K', 'Z26RNL4JYFTOTI'],
  'us-east-2': ['Z3AADJGX6KTTL2', 'ZLMOA37VPKANP'],
  'us-west-1': ['Z368ELLRRE2KJ0', 'Z24FKFUX50B4VW'],
  'us-west-2': ['Z1H1FL5HABSF5', 'Z18D5FSROUN65G'],
  'af-south-1': ['Z268VQBMOI5EKX', 'Z203XCE67M25HM'],
  'ap-east-1': ['Z3DQVH9N71FHZ0', 'Z12Y7K3UBGUAD1'],
  'ap-south-1': ['ZP97RAFLXTNZK', 'ZVDDRBQ08TROA'],
  'ap-northeast-1': ['Z14GRHDCWA56QT', 'Z31USIVHYNEOWT'],
  'ap-northeast-2': ['ZWKZPGTI48KDX', 'ZIBE1TIR4HY56'],
  'ap-northeast-3': ['Z5LXEXXYW11ES', 'Z1GWIQ4HH19I5X'],
  'ap-southeast-1': ['Z1LMS91P8CMLE5', 'ZKVM4W9LS7TM'],
  'ap-southeast-2': ['Z1GM3OXH4ZPM65', 'ZCT6FZBF4DROD'],
  'ca-central-1': ['ZQSVJUPU6J1EY', 'Z2EPGBW3API2WT'],
  'eu-central-1': ['Z215JYRZR1TBD5', 'Z3F0SRJ5LGBH90'],
  'eu-west-1': ['Z32O12XQLNTSW2', 'Z2IFOLAFXWLO4F'],
  'eu-west-2': ['ZHURV8PSTC4K8', 'ZD4D7Y8KGAS4G'],
  'eu-west-3': ['Z3Q77PNBQS71R4', 'Z1CMS0P5QUZ6D5'],
  'eu-south-1': ['Z3ULH7SSC9OV64', 'Z23146JA1KNAFP'],
  'eu-north-1': ['Z23TAZQSPVMIC', 'Z1UDT6IFJ4EJM'],
  'me-south-1': ['ZS929ML54UICD', 'Z3QSRYVP46NYYV'],
  'sa-east-1': ['Z2P70J7HTTTPLU', 'ZTK26PT1VY4CU'],
  'us-gov-east-1': ['Z166TLBEWOO7G0', 'Z1ZSMQQ6Q24QQ8'],
  'us-gov-west-1': ['Z33AYJ8TM3BH4J', 'ZMG1MZ2THAWF1'],
  'cn-north-1': ['Z1GDH35T77C1KE', 'Z3QFB96KMJ7ED6'],
  'cn-northwest-1': ['ZM7IZAIOVVDZF', 'ZQEIKTCZ8352D'],
};

const CLOUDFRONT_ZONE = 'Z2FDTNDATAQYW2';
const GLOBAL_ACCELERATOR_ZONE = 'Z2BJ6XQ5FK7U4H';

export type AliasTargetKind = 'elb' | 'nlb' | 'cloudfront' | 'global-accelerator';

export interface AliasTarget {
  kind: AliasTargetKind;
  /** The canonical hosted zone, or undefined when the region is not in the table. */
  hostedZoneId: string | undefined;
  region?: string;
}

// ALB/CLB: name-123.us-east-1.elb.amazonaws.com (optionally dualstack./internal-);
// NLB: name-abc.elb.us-east-1.amazonaws.com; China adds .cn.
const ALB_CLB = /\.([a-z]{2,4}(?:-[a-z]+)+-[0-9]{1,2})\.elb\.amazonaws\.com(?:\.cn)?$/;
const NLB = /\.elb\.([a-z]{2,4}(?:-[a-z]+)+-[0-9]{1,2})\.amazonaws\.com(?:\.cn)?$/;

/** What kind of AWS alias target a hostname (in normal form) is, if any. */
export function awsAliasTarget(hostname: string): AliasTarget | undefined {
  if (hostname.endsWith('.cloudfront.net')) {
    return { kind: 'cloudfront', hostedZoneId: CLOUDFRONT_ZONE };
  }
  if (hostname.endsWith('.awsglobalaccelerator.com')) {
    return { kind: 'global-accelerator', hostedZoneId: GLOBAL_ACCELERATOR_ZONE };
  }
  const nlb = NLB.exec(hostname);
  if (nlb?.[1] !== undefined) {
    return { kind: 'nlb', region: nlb[1], hostedZoneId: ELB_ZONES[nlb[1]]?.[1] };
  }
  const elb = ALB_CLB.exec(hostname);
  if (elb?.[1] !== undefined) {
    return { kind: 'elb', region: elb[1], hostedZoneId: ELB_ZONES[elb[1]]?.[0] };
  }
  return undefined;
}
