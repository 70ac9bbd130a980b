// The syncer's connection to the apiserver: kubeconfig, paged lists and watches of any kind
// (core or custom), and the few other calls it makes (Events, its Lease, discovery, a
// namespace's UID), over @kubernetes/client-node's KubeConfig and node:https (transport.ts).
//
// Only KubeConfig is imported from client-node, from its own module, and the calls go
// through `kubeRequest` rather than client-node's generated API classes: the generated code
// (CoreV1Api and the hundreds of modules beside it) keeps ~23 MiB of heap in every process
// that loads it, for the four calls made here. See narrow/register.ts for how the `syncer`
// command also keeps KubeConfig from loading it.
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { statusOf, type KubeResource, type ListResult, type WatchStarter } from './reflector.js';
import { apiUrl, jsonCall, watchLines } from './transport.js';

export { KubeApiError } from './transport.js';

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

interface ListPage {
  items?: unknown;
  metadata?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
}

/**
 * One JSON request to the apiserver with the kubeconfig's credentials. Used for lists too,
 * because client-node's generic list drops `metadata.continue`: every list then ended after
 * its first page, and was taken for whole.
 */
export async function kubeRequest(
  kc: KubeConfig,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  options: { query?: Record<string, string>; body?: unknown; timeoutMs?: number } = {},
): Promise<unknown> {
  return jsonCall(
    kc,
    method,
    apiUrl(kc, path, options.query),
    options.body,
    options.timeoutMs ?? 60_000,
  );
}

/**
 * A list of every object of the type in all namespaces, page after page until the apiserver
 * says there is no more, with the list's resourceVersion. Anything short of that throws:
 * a list believed whole while it is not is how records still wanted get deleted.
 */
export function lister(
  kc: KubeConfig,
  type: ResourceType,
  pageSize = PAGE_SIZE,
): () => Promise<ListResult<KubeResource>> {
  return async () => {
    const items: KubeResource[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = (await kubeRequest(kc, 'GET', collectionPath(type), {
        query: {
          limit: String(pageSize),
          ...(continueToken !== undefined && { continue: continueToken }),
        },
      })) as ListPage;
      if (!Array.isArray(page.items)) {
        throw new Error(`list of ${collectionPath(type)} answered without items`);
      }
      for (const item of page.items as KubeResource[]) {
        // A List's items come without apiVersion and kind; the syncer needs both.
        items.push({ ...item, apiVersion: apiVersionOf(type), kind: type.kind });
      }
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      continueToken = page.metadata?.continue || undefined;
      if (continueToken === undefined && (page.metadata?.remainingItemCount ?? 0) > 0) {
        throw new Error(
          `list of ${collectionPath(type)} says ${page.metadata?.remainingItemCount} more items remain but gives no continue token`,
        );
      }
    } while (continueToken !== undefined);
    return { items, resourceVersion };
  };
}

export function watchStarter(kc: KubeConfig): WatchStarter {
  return {
    watch: async (path, query, onEvent, done) =>
      watchLines(kc, apiUrl(kc, path, { ...query, watch: true }), onEvent, done),
  };
}

/** Resource names served at group/version, or null when the apiserver serves no such version. */
export function discoverer(
  kc: KubeConfig,
): (group: string, version: string) => Promise<string[] | null> {
  return async (group, version) => {
    try {
      const list = (await kubeRequest(
        kc,
        'GET',
        group ? `/apis/${group}/${version}` : `/api/${version}`,
        {
          timeoutMs: 30_000,
        },
      )) as { resources?: { name?: unknown }[] };
      // Subresources (`gateways/status`) are listed too; only collections are wanted.
      return (list.resources ?? [])
        .map((r) => r.name)
        .filter((name): name is string => typeof name === 'string' && !name.includes('/'));
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw new Error(`discovery of ${group}/${version} failed`, { cause: err });
    }
  };
}

/** A namespace's UID (kube-system's names the cluster). */
export async function namespaceUid(kc: KubeConfig, name: string): Promise<string> {
  const namespace = (await kubeRequest(kc, 'GET', `/api/v1/namespaces/${name}`, {
    timeoutMs: 30_000,
  })) as { metadata?: { uid?: unknown } };
  const uid = namespace.metadata?.uid;
  if (typeof uid !== 'string' || uid === '') throw new Error(`namespace ${name} has no UID`);
  return uid;
}
