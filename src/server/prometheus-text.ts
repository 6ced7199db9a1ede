/**
 * Prometheus text exposition format (version 0.0.4), written by hand: metric families with HELP
 * and TYPE lines, label values escaped, histograms as cumulative `_bucket{le}` + `_sum` + `_count`.
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Readonly<Record<string, string | number>>;
export type MetricType = 'counter' | 'gauge' | 'histogram';

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(String(value))}"`).join(',')}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Cumulative-bucket histogram with fixed upper bounds. */
export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    this.sum += value;
    this.count += 1;
    for (let i = 0; i < this.bounds.length; i++) {
      if (value <= this.bounds[i]!) {
        this.counts[i]! += 1;
        break;
      }
    }
  }

  /** Lines of one labelled histogram of a family. */
  lines(name: string, labels: Labels): string[] {
    const out: string[] = [];
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += this.counts[i]!;
      out.push(`${name}_bucket${formatLabels({ ...labels, le: formatValue(bound) })} ${cumulative}`);
    });
    out.push(`${name}_bucket${formatLabels({ ...labels, le: '+Inf' })} ${this.count}`);
    out.push(`${name}_sum${formatLabels(labels)} ${formatValue(this.sum)}`);
    out.push(`${name}_count${formatLabels(labels)} ${this.count}`);
    return out;
  }
}

/** Collects metric families and renders them; a family with no samples still gets HELP and TYPE. */
export class PrometheusWriter {
  private readonly parts: string[] = [];

  family(name: string, type: MetricType, help: string, samples: readonly { labels?: Labels; value: number }[]): this {
    this.parts.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const sample of samples) this.parts.push(`${name}${formatLabels(sample.labels ?? {})} ${formatValue(sample.value)}`);
    return this;
  }

  histogramFamily(name: string, help: string, histograms: readonly { labels: Labels; histogram: Histogram }[]): this {
    this.parts.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} histogram`);
    for (const { labels, histogram } of histograms) this.parts.push(...histogram.lines(name, labels));
    return this;
  }

  text(): string {
    return `${this.parts.join('\n')}\n`;
  }
}
