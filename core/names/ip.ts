// IP addresses in the normal forms the contract asks for: dotted IPv4, RFC 5952 IPv6.
import { isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 4 | 6;

export function ipFamily(value: string): IpFamily | undefined {
  if (isIPv4(value)) return 4;
  // Zone indexes (fe80::1%eth0) mean nothing in DNS.
  if (isIPv6(value) && !value.includes('%')) return 6;
  return undefined;
}

/** Eight 16-bit groups of an IPv6 address already known to be valid. */
function ipv6Groups(value: string): number[] {
  let text = value.toLowerCase();
  // A dotted IPv4 tail (::ffff:1.2.3.4) becomes the two hex groups it stands for.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((group) => parseInt(group, 16));
  const [head = '', rest] = text.split('::');
  if (rest === undefined) return parse(head);
  const left = parse(head);
  const right = parse(rest);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
export function normalizeIpv6(value: string): string {
  const groups = ipv6Groups(value);
  // IPv4-mapped addresses keep their dotted tail (RFC 5952 section 5).
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLength).join(':');
  return `${left}::${right}`;
}

export function normalizeIp(value: string): string | undefined {
  const family = ipFamily(value);
  if (family === 4) return value;
  if (family === 6) return normalizeIpv6(value);
  return undefined;
}
