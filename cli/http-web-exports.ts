// Imported first by the commands that serve or call over HTTP (webhook, syncer), before any
// module that imports node:http; the offline commands never load http at all.
//
// Node 24's http module has three lazy exports, WebSocket, CloseEvent and MessageEvent, that
// load Node's bundled undici when read. An ES module import of node:http (ours, client-node's,
// agent-base's) builds the module's namespace from every export, reads the three, and so loads
// undici into every process: 18 MiB of RSS in a bare `node`, ~3 MiB in an idle syncer or
// webhook, which load much of what it does anyway (docs/benchmarks.md, Memory). Nothing here
// uses them (the global WebSocket stays, with its own lazy loading), so they are removed
// before the first such import.
import { createRequire } from 'node:module';

const http = createRequire(import.meta.url)('node:http') as Record<string, unknown>;
for (const name of ['WebSocket', 'CloseEvent', 'MessageEvent']) {
  const property = Object.getOwnPropertyDescriptor(http, name);
  // Only a lazy getter: a plain value has been loaded already, and removing it saves nothing.
  if (property?.get !== undefined && property.configurable === true) delete http[name];
}
