// Which Route 53 API operation an HTTP request is, from its method and REST path, so calls can
// be counted and faults aimed per operation.

export interface Operation {
  readonly name: string;
  /** Hosted zone id from the path (without the /hostedzone/ prefix), where there is one. */
  readonly zoneId?: string;
}

const PREFIX = '/2013-04-01/';

export function operationOf(method: string, rawPath: string): Operation {
  const path = rawPath.split('?')[0] ?? '';
  if (!path.startsWith(PREFIX)) return { name: `Unknown:${method} ${path}` };
  const parts = path
    .slice(PREFIX.length)
    .split('/')
    .filter((p) => p !== '')
    .map((p) => decodeURIComponent(p));
  const [resource, id, sub] = parts;
  if (resource === 'hostedzone') {
    if (id === undefined) {
      return { name: method === 'POST' ? 'CreateHostedZone' : 'ListHostedZones' };
    }
    if (sub === 'rrset') {
      return {
        name: method === 'POST' ? 'ChangeResourceRecordSets' : 'ListResourceRecordSets',
        zoneId: id,
      };
    }
    if (sub === undefined) {
      const byMethod: Record<string, string> = {
        GET: 'GetHostedZone',
        DELETE: 'DeleteHostedZone',
        POST: 'UpdateHostedZoneComment',
      };
      return { name: byMethod[method] ?? `Unknown:${method} hostedzone`, zoneId: id };
    }
    return { name: `HostedZone:${method} ${sub}`, zoneId: id };
  }
  if (resource === 'hostedzonesbyname') return { name: 'ListHostedZonesByName' };
  if (resource === 'hostedzonecount') return { name: 'GetHostedZoneCount' };
  if (resource === 'change') return { name: 'GetChange' };
  if (resource === 'tags')
    return { name: method === 'POST' ? 'ChangeTagsForResource' : 'ListTagsForResource' };
  if (resource === 'healthcheck') {
    if (id === undefined)
      return { name: method === 'POST' ? 'CreateHealthCheck' : 'ListHealthChecks' };
    const byMethod: Record<string, string> = {
      GET: 'GetHealthCheck',
      DELETE: 'DeleteHealthCheck',
      POST: 'UpdateHealthCheck',
    };
    return { name: sub === undefined ? (byMethod[method] ?? 'HealthCheck') : `HealthCheck:${sub}` };
  }
  return { name: `Other:${method} ${resource ?? ''}` };
}
