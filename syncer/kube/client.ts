// The syncer's connection to the apiserver: kubeconfig, paged lists and watches of any kind
// (core or custom), over @kubernetes/client-node.
import {
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  Watch,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { statusOf, type KubeResource, type ListResult, type WatchStarter } from './reflector.js';

/** From a kubeconfig file when given, else the Pod's service account (in-cluster). */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path !== undefined) kc.loadFromFile(path);
  else kc.loadFromCluster();
  return kc;
}

export interface ResourceType {
  group: string;
  version: string;
  /** Plural resource name. */
  resource: string;
  kind: string;
}

export const apiVersionOf = (t: ResourceType) => (t.group ? `${t.group}/${t.version}` : t.version);

export const collectionPath = (t: ResourceType) =>
  t.group ? `/apis/${t.group}/${t.version}/${t.resource}` : `/api/${t.version}/${t.resource}`;

const PAGE_SIZE = 500;

/** A list of every object of the type in all namespaces, in pages, with the list's resourceVersion. */
export function lister(
  kc: KubeConfig,
  type: ResourceType,
): () => Promise<ListResult<KubeResource>> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  return async () => {
    const items: KubeResource[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = await api.list<KubernetesObject>(
        apiVersionOf(type),
        type.kind,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        PAGE_SIZE,
        continueToken,
      );
      for (const item of page.items) {
        // A List's items come without apiVersion and kind; the syncer needs both.
        items.push({ ...(item as KubeResource), apiVersion: apiVersionOf(type), kind: type.kind });
      }
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      continueToken = page.metadata?._continue || undefined;
    } while (continueToken !== undefined);
    return { items, resourceVersion };
  };
}

export function watchStarter(kc: KubeConfig): WatchStarter {
  const watch = new Watch(kc);
  return {
    watch: (path, query, onEvent, done) =>
      watch.watch(path, query, (type, object) => onEvent(type, object), done),
  };
}

/** Resource names served at group/version, or null when the apiserver serves no such version. */
export function discoverer(
  kc: KubeConfig,
): (group: string, version: string) => Promise<string[] | null> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  return async (group, version) => {
    try {
      const list = await custom.getAPIResources({ group, version });
      // Subresources (`gateways/status`) are listed too; only collections are wanted.
      return list.resources.map((r) => r.name).filter((name) => !name.includes('/'));
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw new Error(`discovery of ${group}/${version} failed`, { cause: err });
    }
  };
}
