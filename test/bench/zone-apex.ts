// The SOA and NS records Route 53 puts at a new hosted zone's apex: what the planner benchmarks
// list for a zone before anything is published.
import type { HostedZone, ResourceRecordSet } from '../../core/records/route53-types.js';

export function zoneApex(zone: HostedZone): ResourceRecordSet[] {
  return [
    {
      Name: zone.Name,
      Type: 'SOA',
      TTL: 900,
      ResourceRecords: [
        { Value: 'ns-1.awsdns-1.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400' },
      ],
    },
    {
      Name: zone.Name,
      Type: 'NS',
      TTL: 172800,
      ResourceRecords: [{ Value: 'ns-1.awsdns-1.org.' }, { Value: 'ns-2.awsdns-2.com.' }],
    },
  ];
}
