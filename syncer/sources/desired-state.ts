// Every source over one snapshot: the desired endpoints of the whole cluster, and what
// should be said on objects that could not be published.
import { resourceOf } from '../../core/records/endpoint.js';
import {
  ownerOf,
  KEEPS_ITS_RECORDS,
  type ObjectNote,
  type SourceOptions,
  type SourceOutput,
} from './common.js';
import { gatewayApiGateways, httpRoutes } from './gateway-api.js';
import { istioGateways, virtualServices } from './istio.js';
import { ingresses, services } from './kubernetes.js';
import type { Snapshot } from './objects.js';

export type { ObjectNote, SourceOptions, SourceOutput } from './common.js';

export function desiredState(snapshot: Snapshot, options: SourceOptions): SourceOutput {
  const output: SourceOutput = { endpoints: [], notes: [] };
  istioGateways(snapshot, options, output);
  virtualServices(snapshot, options, output);
  services(snapshot, options, output);
  ingresses(snapshot, options, output);
  gatewayApiGateways(snapshot, options, output);
  httpRoutes(snapshot, options, output);
  // Every object of the snapshot was read above: readings of any other are of objects gone.
  options.parseCache?.sweep();
  return output;
}

/**
 * The objects skipped whole for what they hold (`<kind>/<namespace>/<name>`): the planner keeps
 * their records as they are until they are fixed or deleted (bad input loses nothing).
 */
export function unreadableObjects(notes: readonly ObjectNote[]): Set<string> {
  return new Set(
    notes
      .filter((n) => KEEPS_ITS_RECORDS.has(n.reason))
      .map((n) => resourceOf(ownerOf(n.object, n.kind))),
  );
}
