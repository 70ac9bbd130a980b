// What prom-client takes from @opentelemetry/api, loaded only when used: the `syncer` command
// resolves prom-client's require of it to this module (hooks.ts). prom-client reads the
// active trace span for exemplars of its process CPU counter, which the syncer does not
// enable; the API package is 51 modules loaded at start-up for that.
import type * as OtelApi from '@opentelemetry/api';
import { loadLater } from './load-later.js';

const otel = loadLater<typeof OtelApi>('@opentelemetry/api');

// prom-client's processCpuTotal.js uses these two calls.
export const trace = {
  getSpan: (context: OtelApi.Context) => otel().trace.getSpan(context),
};

export const context = {
  active: () => otel().context.active(),
};
