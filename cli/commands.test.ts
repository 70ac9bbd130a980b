// The command dispatcher: commands load when run, with the same help, errors and exit codes as
// when they were all loaded at start, and each long-running command loads only its own side.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runModuleScript } from '../test/helpers/module-script.js';
import { runCli, type RunContext } from './commands.js';

function context(): RunContext & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
    readStdin: () => Promise.resolve(''),
    signal: new AbortController().signal,
    examplesDir: new URL('../../examples', import.meta.url).pathname,
    out: () => out,
    err: () => err,
  } as RunContext & { out: () => string; err: () => string };
}

describe('runCli', () => {
  it('prints the usage for --help and exits 0; without a command, prints it to stderr and exits 2', async () => {
    const help = context();
    assert.equal(await runCli(['--help'], help), 0);
    assert.match(help.out(), /^Usage: aws-controller <command>/);
    const none = context();
    assert.equal(await runCli([], none), 2);
    assert.equal(none.err(), help.out());
  });

  it('refuses an unknown command with exit 2', async () => {
    const ctx = context();
    assert.equal(await runCli(['bogus'], ctx), 2);
    assert.match(ctx.err(), /^aws-controller: unknown command 'bogus'\n\nUsage:/);
  });

  for (const [command, usage] of [
    ['validate', /^Usage: aws-controller validate/],
    ['plan', /^Usage: aws-controller plan/],
    ['webhook', /^Usage: aws-controller webhook/],
    ['syncer', /^Usage: aws-controller syncer/],
  ] as const) {
    it(`loads ${command} when run: its --help`, async () => {
      const ctx = context();
      assert.equal(await runCli([command, '--help'], ctx), 0);
      assert.match(ctx.out(), usage);
    });
  }

  it('answers a usage error with exit 2 and the command named', async () => {
    const ctx = context();
    assert.equal(await runCli(['syncer', '--interval', '1s'], ctx), 2);
    assert.equal(ctx.err(), 'aws-controller syncer: --interval must be at least 10s\n');
  });

  it('answers an unreadable manifest (ManifestError) with exit 2', async () => {
    const ctx = context();
    assert.equal(await runCli(['validate', '/nonexistent/manifest.yaml'], ctx), 2);
    assert.match(ctx.err(), /^aws-controller validate: cannot read \/nonexistent\/manifest\.yaml/);
  });
});

// In a fresh process: which packages and folders each command's module graph resolves.
const CHILD = `
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const urls = [];
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => urls.push(url));
port1.unref();
register('data:text/javascript,' + encodeURIComponent(
  'let port; export function initialize(data) { port = data.port; }' +
  'export async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r; }'),
  { data: { port: port2 }, transferList: [port2] });
const { runCli } = await import(process.argv[1]);
const sink = { write: () => true };
const code = await runCli([process.argv[2], '--help'], { stdout: sink, stderr: sink, readStdin: async () => '', signal: new AbortController().signal, examplesDir: '.' });
await new Promise((r) => setTimeout(r, 100));
// Modules required from CommonJS (or with createRequire) are in the require cache; the
// loader-thread hook above sees ES imports only.
const required = Object.keys(createRequire(import.meta.url).cache);
const has = (part) => urls.some((u) => u.includes(part)) || required.some((p) => p.includes(part));
console.log(JSON.stringify({ code, express: has('/node_modules/express/'), yaml: has('/node_modules/yaml/'),
  webhook: has('/dist/webhook/'), clientNode: has('/node_modules/@kubernetes/client-node/'),
  generated: has('/client-node/dist/gen/apis/'), sdk: has('/node_modules/@aws-sdk/client-route-53/'),
  syncer: has('/dist/syncer/'), ajv: has('/node_modules/ajv/') }));
`;

function modulesOf(command: string): Promise<Record<string, unknown>> {
  return runModuleScript(CHILD, [new URL('./commands.js', import.meta.url).href, command]);
}

describe('what each long-running command loads', () => {
  it('syncer: client-node without its generated API, the SDK; no express, YAML or webhook', async () => {
    assert.deepEqual(await modulesOf('syncer'), {
      code: 0,
      express: false,
      yaml: false,
      webhook: false,
      clientNode: true,
      generated: false,
      sdk: true,
      syncer: true,
      ajv: false,
    });
  });

  it('webhook: express and the webhook; no client-node, SDK or syncer', async () => {
    assert.deepEqual(await modulesOf('webhook'), {
      code: 0,
      express: true,
      yaml: false,
      webhook: true,
      clientNode: false,
      generated: false,
      sdk: false,
      syncer: false,
      ajv: true,
    });
  });

  // Not long-running, but run at 100k objects in CI: start-up counts there too. The YAML
  // parser and ajv (annotation schemas) are loaded only when a manifest needs them.
  it('plan: the offline planner only; no express, YAML parser, ajv, client-node, SDK or webhook', async () => {
    assert.deepEqual(await modulesOf('plan'), {
      code: 0,
      express: false,
      yaml: false,
      webhook: false,
      clientNode: false,
      generated: false,
      sdk: false,
      syncer: true,
      ajv: false,
    });
  });
});
