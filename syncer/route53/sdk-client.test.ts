// The SDK client against a Route 53 endpoint that accepts the connection and never answers:
// each call must end with a timeout error, not wait for ever (a request left hanging held the
// sender, and so every later reconcile, of a syncer in the clusters benchmark). A listing is
// retried; a change batch is not (it may have been applied: the zone is re-listed instead).
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Route53Error } from './api.js';
import { SdkRoute53Api } from './sdk-client.js';

describe('SdkRoute53Api: a request nobody answers', () => {
  let server: Server;
  const held: IncomingMessage[] = [];
  let endpoint: string;
  before(async () => {
    // Reads the request and never writes a byte back.
    server = createServer((req) => void held.push(req));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const api = () =>
    new SdkRoute53Api({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestTimeoutMs: 300,
    });
  /** The call's outcome, or 'still waiting' 10 s on (30 times the timeout). */
  const outcome = (call: Promise<unknown>) =>
    Promise.race([
      call.then(
        () => 'answered',
        (err: unknown) => err,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 10_000).unref()),
    ]);

  for (const [operation, retryable, call] of [
    ['ListHostedZones', true, (a: SdkRoute53Api) => a.listHostedZonesPage()],
    ['ListResourceRecordSets', true, (a: SdkRoute53Api) => a.listResourceRecordSetsPage('Z1')],
    [
      'ChangeResourceRecordSets',
      false,
      (a: SdkRoute53Api) =>
        a.changeResourceRecordSets('Z1', [
          {
            Action: 'CREATE',
            ResourceRecordSet: {
              Name: 'a.example.com',
              Type: 'A',
              TTL: 60,
              ResourceRecords: [{ Value: '192.0.2.1' }],
            },
          },
        ]),
    ],
  ] as const) {
    it(`${operation} gives up after its request timeout, ${retryable ? 'to be retried' : 'not to be sent again blind'}`, async () => {
      const before = held.length;
      const result = await outcome(call(api()));
      assert.ok(held.length > before, 'the request reached the endpoint');
      assert.ok(result instanceof Route53Error, `ended with ${String(result)}`);
      assert.equal(result.operation, operation);
      assert.equal(result.code, 'TimeoutError');
      assert.equal(result.retryable, retryable, result.message);
    });
  }
});
