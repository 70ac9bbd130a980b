import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RELEASE, DEFAULT_RELEASE_NAMESPACE, defaultOwnerId } from './owner-id.js';

const UID = '5f0c2a8e-7f3b-4c1d-9a51-2b7e8d4c6f10';

describe('defaultOwnerId', () => {
  it('is <release>.<namespace>.<kube-system UID>, as the chart renders it', () => {
    assert.equal(
      defaultOwnerId({ release: 'aws-controller', namespace: 'istio-system', clusterUid: UID }),
      `aws-controller.istio-system.${UID}`,
    );
    assert.equal(DEFAULT_RELEASE, 'aws-controller');
    assert.equal(DEFAULT_RELEASE_NAMESPACE, 'istio-system');
  });

  it('differs between two installations in one cluster, and between clusters', () => {
    const ids = new Set([
      defaultOwnerId({ release: 'a', namespace: 'istio-system', clusterUid: UID }),
      defaultOwnerId({ release: 'b', namespace: 'istio-system', clusterUid: UID }),
      defaultOwnerId({ release: 'a', namespace: 'dns', clusterUid: UID }),
      defaultOwnerId({ release: 'a', namespace: 'istio-system', clusterUid: 'other-uid' }),
    ]);
    assert.equal(ids.size, 4);
  });

  it('refuses a missing part, and a part that cannot go into an ownership TXT', () => {
    assert.throws(
      () => defaultOwnerId({ release: 'a', namespace: '', clusterUid: UID }),
      /needs a namespace/,
    );
    assert.throws(
      () => defaultOwnerId({ release: 'a', namespace: 'b', clusterUid: ' ' }),
      /needs a cluster UID/,
    );
    assert.throws(
      () => defaultOwnerId({ release: 'a,b', namespace: 'b', clusterUid: UID }),
      /cannot go into an ownership TXT/,
    );
  });
});
