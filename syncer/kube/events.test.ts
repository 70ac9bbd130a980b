import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pino } from 'pino';
import { boundedEventSink, eventFor } from './events.js';

const object = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'Gateway',
  metadata: { namespace: 'bookinfo', name: 'gw', uid: 'u-1' },
};

it('builds an Event on the object, with the message cut to what the apiserver accepts', () => {
  const event = eventFor(object, 'Warning', 'RecordRefused', 'x'.repeat(1500), new Date(0));
  assert.deepEqual(event.involvedObject, {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    name: 'gw',
    namespace: 'bookinfo',
    uid: 'u-1',
  });
  assert.equal(event.metadata?.namespace, 'bookinfo');
  assert.equal(event.message?.length, 1000);
  assert.ok(event.message?.endsWith('...'));
});

it('sends a few Events at a time, drops the oldest past its backlog, and survives failures', async () => {
  let inFlight = 0;
  let most = 0;
  const sent: string[] = [];
  const logs: unknown[] = [];
  const sink = boundedEventSink({
    concurrency: 2,
    maxPending: 5,
    logger: pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line)) }),
    send: async (event) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      if (event.message === 'm3') throw new Error('apiserver said no');
      sent.push(event.message ?? '');
    },
  });
  for (let i = 0; i < 20; i++) sink.record(object, 'Normal', 'RecordCreated', `m${i}`);
  await sink.idle();
  assert.equal(most, 2);
  // Two went at once; of the 18 waiting, the newest 5 were kept.
  assert.deepEqual(sent, ['m0', 'm1', 'm15', 'm16', 'm17', 'm18', 'm19']);
  assert.ok(
    logs.some((l) => (l as { dropped?: number }).dropped === 13),
    'the drop is logged with a count',
  );
  sink.record(object, 'Normal', 'RecordCreated', 'm3');
  await sink.idle();
  assert.ok(logs.some((l) => (l as { msg?: string }).msg === 'could not record an Event'));
});
