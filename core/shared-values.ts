// Values kept once and handed out to every holder of an equal one. At 100k watched objects
// the syncer holds the same few address lists hundreds of thousands of times (every endpoint
// behind one ingress gateway, every listed record that points at it): as one shared, frozen
// value each is a single object for V8 to keep and mark instead of several per holder.

/**
 * Equal values by a string key, at most `max` of them: past that the table starts afresh
 * (values already handed out stay valid), so values a tenant chooses cannot fill it.
 */
export class SharedValues<T> {
  readonly #max: number;
  readonly #byKey = new Map<string, T>();

  constructor(max: number) {
    this.#max = max;
  }

  /** The value kept under `key`, or `make()`'s, kept from now on. */
  get(key: string, make: () => T): T {
    let value = this.#byKey.get(key);
    if (value === undefined) {
      if (this.#byKey.size >= this.#max) this.#byKey.clear();
      value = make();
      this.#byKey.set(key, value);
    }
    return value;
  }
}
