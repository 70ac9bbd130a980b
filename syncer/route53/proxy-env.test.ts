import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createProxy } from 'proxy';
import {
  describeProxyEnv,
  nodeProxiesAgents,
  ProxyEnvError,
  readProxyEnv,
  redact,
} from './proxy-env.js';
import { SdkRoute53Api } from './sdk-client.js';

describe('readProxyEnv', () => {
  it('reads HTTPS_PROXY, HTTP_PROXY and NO_PROXY, the lower-case name first', () => {
    assert.deepEqual(
      readProxyEnv({
        HTTPS_PROXY: 'http://upper:3128',
        https_proxy: 'http://lower:3128',
        HTTP_PROXY: 'http://plain:3128',
        NO_PROXY: '169.254.170.23,.svc',
      }),
      {
        HTTPS_PROXY: 'http://lower:3128',
        HTTP_PROXY: 'http://plain:3128',
        NO_PROXY: '169.254.170.23,.svc',
      },
    );
  });

  it('is empty without a proxy, NO_PROXY alone included', () => {
    assert.deepEqual(readProxyEnv({}), {});
    assert.deepEqual(readProxyEnv({ NO_PROXY: 'localhost', HTTPS_PROXY: '  ' }), {});
  });

  it('takes a bare host:port as an http:// proxy, as Go and curl do', () => {
    assert.deepEqual(readProxyEnv({ HTTPS_PROXY: 'proxy.corp:3128' }), {
      HTTPS_PROXY: 'http://proxy.corp:3128',
    });
    assert.deepEqual(readProxyEnv({ https_proxy: 'https://proxy.corp' }), {
      HTTPS_PROXY: 'https://proxy.corp',
    });
  });

  it('refuses what Node would ignore, saying which variable, without its password', () => {
    assert.throws(
      () => readProxyEnv({ https_proxy: 'socks5://user:secret@proxy:1080' }),
      (err: Error) =>
        err instanceof ProxyEnvError &&
        err.message ===
          "https_proxy 'socks5://user:***@proxy:1080' is a socks5 proxy; only http:// and https:// proxies are supported",
    );
    assert.throws(() => readProxyEnv({ HTTP_PROXY: 'http://[::1' }), /HTTP_PROXY .* is not a URL/);
  });
});

describe('redact and describeProxyEnv', () => {
  it('hides a proxy password, and only that', () => {
    assert.equal(redact('http://me:pw@proxy:3128'), 'http://me:***@proxy:3128');
    assert.equal(redact('http://me@proxy:3128'), 'http://me@proxy:3128');
    assert.equal(redact('http://proxy:3128/x'), 'http://proxy:3128/x');
  });

  it('says nothing without a proxy; with one, which it is and whether this Node uses it', () => {
    assert.equal(describeProxyEnv({}, undefined, '24.19.0'), undefined);
    const proxy = { HTTPS_PROXY: 'http://me:pw@proxy:3128', NO_PROXY: '.internal' };
    const used = describeProxyEnv(proxy, undefined, '24.19.0');
    assert.equal(used?.level, 'info');
    assert.deepEqual(used?.fields, {
      httpsProxy: 'http://me:***@proxy:3128',
      noProxy: '.internal',
    });
    const ignored = describeProxyEnv(proxy, undefined, '20.19.0');
    assert.equal(ignored?.level, 'warn');
    assert.match(ignored?.message ?? '', /Node 20\.19\.0 cannot proxy .* go out directly/);
  });

  it("warns when the variable for Route 53's scheme is not the one set", () => {
    const httpOnly = { HTTP_PROXY: 'http://proxy:3128' };
    const direct = describeProxyEnv(httpOnly, undefined, '24.19.0');
    assert.equal(direct?.level, 'warn');
    assert.match(
      direct?.message ?? '',
      /HTTPS_PROXY is not set.*https:\/\/ endpoint: Route 53 calls go out directly/,
    );
    assert.equal(describeProxyEnv(httpOnly, 'http://moto:5000', '24.19.0')?.level, 'info');
    const httpsOnly = { HTTPS_PROXY: 'http://proxy:3128' };
    assert.equal(describeProxyEnv(httpsOnly, 'https://route53.example', '24.19.0')?.level, 'info');
    assert.match(
      describeProxyEnv(httpsOnly, 'http://moto:5000', '24.19.0')?.message ?? '',
      /HTTP_PROXY is not set/,
    );
  });

  it('knows which Node proxies through an agent', () => {
    assert.equal(nodeProxiesAgents('24.5.0'), true);
    assert.equal(nodeProxiesAgents('24.19.0'), true);
    assert.equal(nodeProxiesAgents('25.0.0'), true);
    assert.equal(nodeProxiesAgents('24.4.1'), false);
    assert.equal(nodeProxiesAgents('22.12.0'), false);
  });
});

// The SDK client through a real forward proxy (npm's `proxy`) to a local endpoint answering
// ListHostedZones. Needs Node's agent proxy support: the product's Node has it; the end-to-end
// suite (test/e2e/syncer-proxy.test.ts) runs the syncer on it whatever runs this file.
describe(
  'SdkRoute53Api through a proxy',
  {
    skip:
      !nodeProxiesAgents() &&
      `Node ${process.versions.node} cannot proxy through an agent (24.5 and later can)`,
  },
  () => {
    let endpoint: Server;
    let proxy: Server;
    let endpointUrl: string;
    let proxyUrl: string;
    const seen: string[] = [];
    before(async () => {
      endpoint = createServer((_req, res) => {
        res.setHeader('content-type', 'text/xml');
        res.end(
          '<?xml version="1.0"?><ListHostedZonesResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><HostedZones><HostedZone><Id>/hostedzone/ZPROXY</Id><Name>proxied.example.</Name><CallerReference>x</CallerReference><Config><PrivateZone>false</PrivateZone></Config></HostedZone></HostedZones><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListHostedZonesResponse>',
        );
      });
      proxy = createProxy(createServer());
      proxy.on('request', (req) => seen.push(`${req.method} ${req.url}`));
      for (const server of [endpoint, proxy]) {
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      }
      endpointUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;
      proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    });
    after(async () => {
      for (const server of [endpoint, proxy]) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    const list = (proxyEnv: Record<string, string>) =>
      new SdkRoute53Api({
        endpoint: endpointUrl,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        proxyEnv: readProxyEnv(proxyEnv),
      }).listHostedZonesPage();

    it('sends its calls through the proxy', async () => {
      const from = seen.length;
      const { zones } = await list({ HTTP_PROXY: proxyUrl });
      assert.deepEqual(
        zones.map((z) => z.Id),
        ['/hostedzone/ZPROXY'],
      );
      assert.deepEqual(seen.slice(from), [`GET ${endpointUrl}/2013-04-01/hostedzone?maxitems=100`]);
    });

    it('goes directly to a host NO_PROXY names, and with no proxy set', async () => {
      const from = seen.length;
      await list({ HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' });
      await list({});
      assert.deepEqual(seen.slice(from), []);
    });
  },
);
