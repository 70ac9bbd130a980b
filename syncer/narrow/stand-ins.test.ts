// The stand-ins the `syncer` command's resolve hook puts in place of library imports
// (hooks.ts), checked against the libraries as installed, so that an upgrade which changes
// what a library imports, or where npm puts a package, fails here with the reason rather
// than in a syncer that happens to need the deferred code:
// - a stand-in loads the same package its importer would have (load-later.ts resolves from
//   here, not from the importer);
// - it has every name the importer takes from the module it replaces, and every member the
//   importer calls on them;
// - the auth-provider stand-in may answer "not mine" without loading the real provider only
//   because the real ones do the same for a user without an auth provider.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { REDIRECTS } from './hooks.js';

const requireHere = createRequire(import.meta.url);
const clientNodeDist = dirname(
  fileURLToPath(import.meta.resolve('@kubernetes/client-node/dist/config.js')),
);
const promClientRoot = dirname(requireHere.resolve('prom-client/package.json'));

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The library files a redirect applies to, as installed: the one file it names, or every
 * JavaScript file of the package directory it names.
 */
function importers(importer: string): string[] {
  const path = join(repoRoot, importer);
  if (/\.[cm]?js$/.test(importer)) return [path];
  return readdirSync(path, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.[cm]?js$/.test(f) && !f.includes('node_modules/'))
    .map((f) => join(path, f));
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * What a file takes from `specifier`: the names it imports (or, through a namespace or a
 * require, the members it reads), each with the members it then calls on them.
 */
function usedNames(source: string, specifier: string): Map<string, Set<string>> {
  const used = new Map<string, Set<string>>();
  const note = (name: string, member?: string) => {
    const members = used.get(name) ?? new Set<string>();
    if (member !== undefined) members.add(member);
    used.set(name, members);
  };
  const quoted = `['"]${escape(specifier)}['"]`;
  const named = new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*${quoted}`).exec(source);
  for (const part of named?.[1]?.split(',') ?? []) {
    const [name, local] = part.trim().split(/\s+as\s+/);
    if (!name) continue;
    note(name);
    for (const m of source.matchAll(new RegExp(`\\b${escape(local ?? name)}\\.(\\w+)`, 'g'))) {
      note(name, m[1]);
    }
  }
  const namespace =
    new RegExp(`import\\s*\\*\\s*as\\s+(\\w+)\\s+from\\s*${quoted}`).exec(source) ??
    new RegExp(`(?:const|let|var)\\s+(\\w+)\\s*=\\s*require\\(${quoted}\\)`).exec(source);
  if (namespace?.[1] !== undefined) {
    for (const m of source.matchAll(new RegExp(`\\b${namespace[1]}\\.(\\w+)(?:\\.(\\w+))?`, 'g'))) {
      note(m[1] as string, m[2]);
    }
    // and names taken apart from it: const { a, b: c } = namespace;
    for (const m of source.matchAll(
      new RegExp(`\\{([^}]*)\\}\\s*=\\s*${namespace[1]}\\s*;`, 'g'),
    )) {
      for (const part of (m[1] as string).split(',')) {
        const name = part.split(':')[0]?.trim();
        if (name) note(name);
      }
    }
  }
  return used;
}

describe("the syncer's stand-ins for library imports", () => {
  for (const redirect of REDIRECTS) {
    it(`${redirect.standIn} serves ${redirect.specifier} as ${redirect.importer} uses it`, async () => {
      const standIn = (await import(`./${redirect.standIn}`)) as Record<string, unknown>;
      let importing = 0;
      for (const file of importers(redirect.importer)) {
        const code = readFileSync(file, 'utf8')
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/^\s*\/\/.*$/gm, '');
        const used = usedNames(code, redirect.specifier);
        if (used.size > 0) importing++;
        for (const [name, members] of used) {
          const value = standIn[name] as Record<string, unknown> | undefined;
          assert.ok(
            value !== undefined,
            `${file} takes ${name} from ${redirect.specifier}; ${redirect.standIn} has none`,
          );
          for (const member of members) {
            // Static members, and for a class the prototype's (what an instance is called with).
            const onPrototype = (value['prototype'] as Record<string, unknown> | undefined)?.[
              member
            ];
            assert.ok(
              member in value || onPrototype !== undefined,
              `${file} uses ${name}.${member} from ${redirect.specifier}; ${redirect.standIn} lacks it`,
            );
          }
        }
      }
      assert.ok(
        importing > 0,
        `nothing in ${redirect.importer} imports ${redirect.specifier} any more: the redirect can go`,
      );
    });
  }

  it('loads the packages the replaced imports would have loaded', () => {
    const configRequire = createRequire(join(clientNodeDist, 'config.js'));
    const promRequire = createRequire(join(promClientRoot, 'index.js'));
    const packageOf = (path: string) =>
      path.slice(0, path.lastIndexOf('/node_modules/')) +
      path.slice(path.lastIndexOf('/node_modules/')).split('/').slice(0, -1).join('/');
    for (const specifier of ['undici', 'socks-proxy-agent', 'socks', 'js-yaml']) {
      assert.equal(
        packageOf(requireHere.resolve(specifier)),
        packageOf(configRequire.resolve(specifier)),
        specifier,
      );
    }
    assert.equal(
      requireHere.resolve('@opentelemetry/api'),
      promRequire.resolve('@opentelemetry/api'),
    );
    for (const file of ['oidc_auth.js', 'azure_auth.js', 'gcp_auth.js']) {
      assert.equal(
        requireHere.resolve(`@kubernetes/client-node/dist/${file}`),
        join(clientNodeDist, file),
      );
    }
  });

  it('the real auth providers say no to a user without an auth provider, as the stand-in does unloaded', async () => {
    const files = {
      OpenIDConnectAuth: 'oidc_auth.js',
      AzureAuth: 'azure_auth.js',
      GoogleCloudPlatformAuth: 'gcp_auth.js',
    };
    for (const [name, file] of Object.entries(files)) {
      const module = (await import(`@kubernetes/client-node/dist/${file}`)) as Record<
        string,
        new () => { isAuthProvider(user: unknown): boolean }
      >;
      const Provider = module[name];
      assert.ok(Provider, `${file} exports no ${name}`);
      const provider = new Provider();
      for (const user of [
        { name: 'u', token: 't' },
        { name: 'u', authProvider: undefined },
      ]) {
        assert.equal(provider.isAuthProvider(user), false, name);
      }
      // and yes to its own kind, which the stand-in leaves to it
      const kind = {
        OpenIDConnectAuth: 'oidc',
        AzureAuth: 'azure',
        GoogleCloudPlatformAuth: 'gcp',
      }[name];
      assert.equal(
        provider.isAuthProvider({ name: 'u', authProvider: { name: kind, config: {} } }),
        true,
        name,
      );
    }
  });
});

describe("the AWS SDK handler's node:http2, deferred", () => {
  it("reads Node's constants and connects a real session", async () => {
    const standIn = await import('./smithy-http2.js');
    const http2 = await import('node:http2');
    assert.equal(standIn.constants.HTTP2_HEADER_PATH, ':path');
    assert.deepEqual(Object.keys(standIn.constants), Object.keys(http2.constants));
    const server = http2.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const session = standIn.connect(`http://127.0.0.1:${port}`);
    const body = await new Promise<string>((resolve, reject) => {
      const req = session.request({ [standIn.constants.HTTP2_HEADER_PATH]: '/' });
      let text = '';
      req.setEncoding('utf8').on('data', (c: string) => (text += c));
      req.on('end', () => resolve(text)).on('error', reject);
    });
    session.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    assert.equal(body, 'ok');
  });
});
