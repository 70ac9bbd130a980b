import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRetryableCode, refusesSomeChange, Route53Error, type Route53Operation } from './api.js';

const error = (
  code: string,
  httpStatus?: number,
  operation: Route53Operation = 'ChangeResourceRecordSets',
) =>
  new Route53Error(`${code}`, operation, code, isRetryableCode(code, httpStatus), [], {
    ...(httpStatus !== undefined && { httpStatus }),
  });

describe('refusesSomeChange: which failed batches are split to isolate a change', () => {
  const cases: [string, Route53Error | Error, boolean][] = [
    ['InvalidChangeBatch', error('InvalidChangeBatch', 400), true],
    ['InvalidInput', error('InvalidInput', 400), true],
    ['NoSuchHealthCheck (a 404)', error('NoSuchHealthCheck', 404), true],
    ['InvalidArgument', error('InvalidArgument', 400), true],
    ['a client error with a code this version does not know', error('SomethingNew', 400), true],
    ['InvalidChangeBatch without a status (a fake, a proxy)', error('InvalidChangeBatch'), true],
    ['NoSuchHostedZone: the whole request', error('NoSuchHostedZone', 404), false],
    ['AccessDenied: the whole request', error('AccessDenied', 403), false],
    ['an expired token: the whole request', error('ExpiredToken', 403), false],
    ['Throttling: retried, not split', error('Throttling', 400), false],
    ['PriorRequestNotComplete: retried, not split', error('PriorRequestNotComplete', 400), false],
    ['a 5xx: retried, not split', error('InternalFailure', 500), false],
    ['a 503 with an unknown code', error('Whatever', 503), false],
    ['no HTTP answer at all (a network error)', error('Error'), false],
    ['a listing error', error('InvalidInput', 400, 'ListResourceRecordSets'), false],
    ['not a Route53Error', new Error('boom'), false],
  ];
  for (const [what, err, splits] of cases) {
    it(`${what}: ${splits ? 'split' : 'not split'}`, () => {
      assert.equal(refusesSomeChange(err), splits);
    });
  }
});
