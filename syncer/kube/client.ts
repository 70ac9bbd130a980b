// The syncer's connection to the apiserver: kubeconfig, paged lists and watches of any kind
// (core or custom), and the few other calls it makes (Events, its Lease, discovery, a
// namespace's UID), over @kubernetes/client-node's KubeConfig and Watch.
//
// Only those two and the request context are imported, each from its own module, and the
// calls go through `kubeRequest` rather than client-node's generated API classes: the
// generated code (CoreV1Api and the hundreds of modules beside it) keeps ~23 MiB of heap in
// every process that loads it, for the four calls made here. See narrow-client-node.ts for
// how the `syncer` command also keeps KubeConfig from loading it.
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { HttpMethod, RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { Watch } from '@kubernetes/client-node/dist/watch.js';
import { request } from 'undici';
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

/** An answer other than 2xx; `statusCode` and `code` both carry the HTTP status. */
export class KubeApiError extends Error {
  readonly statusCode: number;
  readonly code: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'KubeApiError';
    this.statusCode = status;
    this.code = status;
  }
}

const METHODS = { GET: HttpMethod.GET, POST: HttpMethod.POST, PUT: HttpMethod.PUT } as const;

/**
 * One JSON request to the apiserver with the kubeconfig's credentials, as client-node's own
 * Watch makes it, over undici's `request` (its `fetch` allocated several times more per call:
 * ~129 KiB per Event sent through the generated API). Used for lists too, because
 * client-node's generic list drops `metadata.continue`: every list then ended after its
 * first page, and was taken for whole.
 */
export async function kubeRequest(
  kc: KubeConfig,
  method: keyof typeof METHODS,
  path: string,
  options: { query?: Record<string, string>; body?: unknown; timeoutMs?: number } = {},
): Promise<unknown> {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(`${cluster.server.replace(/\/$/, '')}${path}`);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    url.searchParams.set(key, value);
  }
  const ctx = new RequestContext(url.toString(), METHODS[method]);
  await kc.applySecurityAuthentication(ctx);
  const headers: Record<string, string> = { ...ctx.getHeaders(), accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await request(url, {
    method,
    headers,
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    dispatcher: ctx.getDispatcher(),
    signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
  });
  const text = await response.body.text();
  if (response.statusCode < 200 || response.statusCode > 299) {
    throw new KubeApiError(
      `${method} ${path}: HTTP ${response.statusCode}: ${text.slice(0, 300)}`,
      response.statusCode,
    );
  }
  return JSON.parse(text) as unknown;
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
