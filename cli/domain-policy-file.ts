// The domain policy file as the commands read it: once for `validate` and `plan`, and kept
// current for the long-running `webhook` and `syncer`, which re-read it on an interval so an
// edited ConfigMap takes effect without a restart (the kubelet swaps the mounted file in
// place; no file event is reliable across that symlink swap, a cheap re-read is).
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { parseDomainPolicy, type DomainPolicy } from '../core/tenancy/domain-policy.js';
import { UsageError } from './options.js';

/** Reads and checks the file; a missing or bad file is a usage error (the process stops). */
export function readDomainPolicyFile(path: string): DomainPolicy {
  return readPolicyText(path).policy;
}

/** The file's text and its policy, from one read. */
function readPolicyText(path: string): { text: string; policy: DomainPolicy } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--domain-policy: cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    return { text, policy: parseDomainPolicy(text, path) };
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
}

/**
 * The policy of a file that may change. A change that does not parse is logged and ignored:
 * the last good policy stays in force (dropping it would open every name to every namespace).
 */
export class WatchedDomainPolicy {
  readonly #path: string;
  readonly #logger: Logger;
  #text: string;
  #policy: DomainPolicy;
  #timer: NodeJS.Timeout | undefined;

  constructor(path: string, logger: Logger) {
    this.#path = path;
    this.#logger = logger;
    // One read: the text compared on each re-read is the text this policy came from.
    ({ text: this.#text, policy: this.#policy } = readPolicyText(path));
    logger.info(
      { file: path, strict: this.#policy.strict, domains: this.#policy.domains.length },
      'domain policy loaded',
    );
  }

  current(): DomainPolicy {
    return this.#policy;
  }

  /** Re-reads every `intervalMs`; `onChange` after a new policy took effect. */
  watch(intervalMs: number, onChange: () => void = () => undefined): void {
    this.#timer = setInterval(
      () => void this.check().then((changed) => changed && onChange()),
      intervalMs,
    );
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** One re-read; true when a new policy took effect. */
  async check(): Promise<boolean> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (err) {
      this.#logger.error(
        { err, file: this.#path },
        'cannot read the domain policy; keeping the last one',
      );
      return false;
    }
    if (text === this.#text) return false;
    this.#text = text;
    try {
      this.#policy = parseDomainPolicy(text, this.#path);
    } catch (err) {
      this.#logger.error(
        { err, file: this.#path },
        'the changed domain policy is not valid; keeping the last one',
      );
      return false;
    }
    this.#logger.info(
      { file: this.#path, strict: this.#policy.strict, domains: this.#policy.domains.length },
      'domain policy changed',
    );
    return true;
  }
}
