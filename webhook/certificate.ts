// The serving certificate, read from disk and re-read when it changes (Secret volumes are
// updated in place by the kubelet; cert-manager rotates them), so no restart is needed.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';

export interface CertificateFiles {
  certFile: string;
  keyFile: string;
}

export interface CertificateReloaderOptions extends CertificateFiles {
  logger: Logger;
  /** Called with the new material after it has been checked. */
  apply: (context: SecureContextOptions) => void;
  onResult?: (result: 'success' | 'failure') => void;
  intervalMs: number;
}

/** Polls the files (cheap: two small reads) rather than trusting fs.watch across symlink swaps. */
export class CertificateReloader {
  #fingerprint: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  readonly #options: CertificateReloaderOptions;

  constructor(options: CertificateReloaderOptions) {
    this.#options = options;
  }

  get loaded(): boolean {
    return this.#fingerprint !== undefined;
  }

  /** Loads once now, then keeps checking. Missing files are logged, not fatal. */
  async start(): Promise<void> {
    await this.check();
    this.#timer = setInterval(() => void this.check(), this.#options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Reads the files and applies them if they changed; concurrent calls share one read. */
  check(): Promise<void> {
    this.#checking ??= this.#read().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async #read(): Promise<void> {
    const { certFile, keyFile, logger } = this.#options;
    let cert: Buffer;
    let key: Buffer;
    try {
      [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)]);
    } catch (err) {
      if (this.#fingerprint === undefined)
        logger.warn({ err, certFile, keyFile }, 'serving certificate not readable yet');
      else
        logger.error(
          { err, certFile, keyFile },
          'serving certificate not readable; keeping the loaded one',
        );
      this.#options.onResult?.('failure');
      return;
    }
    const fingerprint = createHash('sha256').update(cert).update(key).digest('hex');
    if (fingerprint === this.#fingerprint) return;
    try {
      // Fails on a key that does not match the certificate or on a half-written file.
      createSecureContext({ cert, key });
    } catch (err) {
      logger.error(
        { err, certFile, keyFile },
        'serving certificate rejected; keeping the loaded one',
      );
      this.#options.onResult?.('failure');
      return;
    }
    this.#options.apply({ cert, key });
    const first = this.#fingerprint === undefined;
    this.#fingerprint = fingerprint;
    this.#options.onResult?.('success');
    logger.info(
      { certFile },
      first ? 'serving certificate loaded' : 'serving certificate reloaded',
    );
  }
}
