// The syncer's connection to the apiserver: kubeconfig, paged lists and watches of any kind
// (core or custom), over @kubernetes/client-node.
import {
  CustomObjectsApi,
  HttpMethod,
  KubeConfig,
  RequestContext,
  Watch,
} from '@kubernetes/client-node';
import { fetch } from 'undici';
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

interface ListPage {
  items?: unknown;
  metadata?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
}

/**
 * A GET of a JSON document from the apiserver with the kubeconfig's credentials, as
 * client-node's own Watch makes it. Used for lists because client-node's generic list drops
 * `metadata.continue`: every list then ended after its first page, and was taken for whole.
 */
async function getJson(
  kc: KubeConfig,
  path: string,
  query: Record<string, string>,
): Promise<unknown> {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(`${cluster.server.replace(/\/$/, '')}${path}`);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  const ctx = new RequestContext(url.toString(), HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  const response = await fetch(url, {
    headers: ctx.getHeaders(),
    dispatcher: ctx.getDispatcher(),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (response.status !== 200) {
    throw Object.assign(new Error(`GET ${path}: HTTP ${response.status}: ${text.slice(0, 300)}`), {
      statusCode: response.status,
    });
  }
  return JSON.parse(text);
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
      const page = (await getJson(kc, collectionPath(type), {
        limit: String(pageSize),
        ...(continueToken !== undefined && { continue: continueToken }),
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
