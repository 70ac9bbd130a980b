// The admission duration histogram, labelled by endpoint only, kept by hand and exposed through
// prom-client's registry exactly as a prom-client Histogram would be (same names, labels, bucket
// order, sum and count). prom-client's observe() hashes the label object, checks every label
// name and turns the bucket's bound (a float) into a property name on every call: ~1 µs per
// admission under the benchmark's load, for what is here an index into a few numbers.
import type { MetricValueWithName, Registry } from 'prom-client';

export interface EndpointHistogramOptions<L extends string> {
  name: string;
  help: string;
  labelName: L;
  /** Upper bounds, ascending (as prom-client's `buckets`). */
  buckets: readonly number[];
  registers: Registry[];
}

/** One label value's series. */
export interface HistogramSeries {
  observe(value: number): void;
}

class Series implements HistogramSeries {
  /** Observations per bucket (not cumulative); past the last bound only `count` grows. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: readonly number[],
    readonly labelValue: string,
  ) {
    this.counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const { bounds } = this;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= (bounds[i] as number)) {
        (this.counts[i] as number)++;
        break;
      }
    }
    this.sum += value;
    this.count++;
  }
}

type Value<L extends string> = MetricValueWithName<L | 'le'> & {
  sharedLabels?: Partial<Record<L, string>>;
  /** As prom-client without exemplars: null on buckets, undefined on sum and count. */
  exemplar?: null;
};

/** What prom-client's Histogram returns from get() and getForPromString(). */
export interface HistogramData<L extends string> {
  name: string;
  help: string;
  type: 'histogram';
  values: Value<L>[];
  aggregator: 'sum';
}

export class EndpointHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly labelName: L;
  private readonly bounds: readonly number[];
  /** In the order first observed, as prom-client lists its series. */
  private readonly byValue = new Map<string, Series>();

  constructor(options: EndpointHistogramOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelName = options.labelName;
    this.bounds = [...options.buckets];
    for (const registry of options.registers) registry.registerMetric(this as never);
  }

  /** The series of one label value; observing through it looks nothing up. */
  series(labelValue: string): HistogramSeries {
    let series = this.byValue.get(labelValue);
    if (series === undefined) {
      series = new Series(this.bounds, labelValue);
      this.byValue.set(labelValue, series);
    }
    return series;
  }

  observe(labels: Record<L, string>, value: number): void {
    this.series(labels[this.labelName]).observe(value);
  }

  reset(): void {
    this.byValue.clear();
  }

  /** What prom-client's registry formats: labels apart from the series' shared ones. */
  getForPromString(): Promise<HistogramData<L>> {
    const values: Value<L>[] = [];
    for (const series of this.byValue.values()) {
      const shared = { [this.labelName]: series.labelValue } as Partial<Record<L, string>>;
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += series.counts[i] as number;
        values.push(this.value({ le: bound }, cumulative, '_bucket', shared, null));
      });
      values.push(this.value({ le: '+Inf' }, series.count, '_bucket', shared, null));
      values.push(this.value({}, series.sum, '_sum', shared, undefined));
      values.push(this.value({}, series.count, '_count', shared, undefined));
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    });
  }

  /** prom-client's get(): each value's labels with the series' label merged in. */
  async get(): Promise<HistogramData<L>> {
    const data = await this.getForPromString();
    data.values = data.values.map(({ sharedLabels, ...value }) => ({
      ...value,
      labels: { ...value.labels, ...sharedLabels },
    }));
    return data;
  }

  private value(
    labels: { le?: number | string },
    value: number,
    suffix: string,
    sharedLabels: Partial<Record<L, string>>,
    exemplar: null | undefined,
  ): Value<L> {
    return {
      labels: labels as Value<L>['labels'],
      sharedLabels,
      value,
      metricName: `${this.name}${suffix}`,
      exemplar,
    };
  }
}
