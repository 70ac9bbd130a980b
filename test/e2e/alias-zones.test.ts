// Our load balancer hosted zone table (core/aws/alias-targets.ts) against an independent copy
// of AWS's "Elastic Load Balancing endpoints and quotas" table: the one external-dns ships in
// provider/aws/aws.go, at the version the test environment pins (test/env/versions.env) and
// fetches from the Go module proxy. No npm or PyPI package carries the table (AWS CDK's
// region-info has no load balancer zones; moto's releases answer a placeholder zone).
// Every difference must be listed in EXPLAINED with its reason, or this fails.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ELB_ZONES } from '../../core/aws/alias-targets.js';
import { loadVersions } from '../env/versions.js';

type Column = 'alb-clb' | 'nlb';

/** `<region> <column>` → why our table and external-dns's differ there. Empty: none do. */
const EXPLAINED: Readonly<Record<string, string>> = {};

/** The module's folder in the Go module cache, downloading it if the cache lacks it. */
async function externalDnsSource(version: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    'go',
    ['mod', 'download', '-json', `sigs.k8s.io/external-dns@${version}`],
    { env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' }, cwd: '/' },
  );
  const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (dir === undefined) throw new Error(`go mod download printed no Dir: ${stdout}`);
  return dir;
}

/** external-dns's canonicalHostedZones entries for load balancers, by region and column. */
export function elbZonesOf(goSource: string): Map<string, string> {
  const zones = new Map<string, string>();
  const map = /var canonicalHostedZones = map\[string\]string\{([\s\S]*?)\n\}/.exec(goSource);
  if (map?.[1] === undefined) throw new Error('no canonicalHostedZones map in aws.go');
  for (const [, suffix, zone] of map[1].matchAll(/"([^"]+)":\s*"([^"]+)"/g)) {
    const alb = /^([a-z0-9-]+)\.elb\.amazonaws\.com(?:\.cn)?$/.exec(suffix ?? '');
    const nlb = /^elb\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(suffix ?? '');
    if (alb?.[1] !== undefined) zones.set(`${alb[1]} alb-clb`, zone ?? '');
    else if (nlb?.[1] !== undefined) zones.set(`${nlb[1]} nlb`, zone ?? '');
  }
  return zones;
}

describe('load balancer hosted zones', () => {
  it('match the copy external-dns ships, entry for entry, or say why not', async () => {
    const version = loadVersions().externalDns;
    const dir = await externalDnsSource(version);
    const theirs = elbZonesOf(await readFile(join(dir, 'provider', 'aws', 'aws.go'), 'utf8'));
    assert.ok(theirs.size > 60, `only ${theirs.size} load balancer zones read from external-dns`);
    const ours = new Map<string, string>();
    for (const [region, [albClb, nlb]] of Object.entries(ELB_ZONES)) {
      ours.set(`${region} ${'alb-clb' satisfies Column}`, albClb);
      ours.set(`${region} ${'nlb' satisfies Column}`, nlb);
    }
    const differences: string[] = [];
    for (const key of new Set([...ours.keys(), ...theirs.keys()])) {
      if (ours.get(key) === theirs.get(key)) continue;
      if (EXPLAINED[key] !== undefined) continue;
      differences.push(
        `${key}: ours ${ours.get(key) ?? 'missing'}, external-dns ${version} ${theirs.get(key) ?? 'missing'}`,
      );
    }
    assert.deepEqual(differences, []);
    // An explanation for a difference that no longer exists is stale.
    for (const key of Object.keys(EXPLAINED)) {
      assert.notEqual(ours.get(key), theirs.get(key), `EXPLAINED['${key}'] explains nothing now`);
    }
  });
});
