/**
 * A one-line progress display on stderr (only when stderr is a terminal, so logs and pipes stay
 * clean): done/total, rate, ETA, plus free-form fields (loss, accuracy...).
 */
export interface ProgressOptions {
  label: string;
  total?: number;
  unit: string;
  /** Minimum ms between redraws. */
  intervalMs?: number;
  stream?: NodeJS.WriteStream;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export class Progress {
  private done = 0;
  private readonly startedAt = Date.now();
  private lastDraw = 0;
  private fields: Record<string, string> = {};
  private readonly stream: NodeJS.WriteStream;
  private readonly enabled: boolean;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.enabled = Boolean(this.stream.isTTY);
  }

  setTotal(total: number | undefined): void {
    this.options.total = total;
  }

  tick(count = 1, fields?: Record<string, string | number>): void {
    this.done += count;
    if (fields) this.set(fields);
    this.draw(false);
  }

  set(fields: Record<string, string | number>): void {
    for (const [key, value] of Object.entries(fields)) this.fields[key] = String(value);
  }

  /** Text of the current line (also used by tests and non-TTY summaries). */
  line(): string {
    const elapsed = (Date.now() - this.startedAt) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const total = this.options.total;
    const parts = [this.options.label];
    if (total !== undefined && total > 0) {
      const pct = Math.min(100, (100 * this.done) / total);
      const width = 24;
      const filled = Math.round((pct / 100) * width);
      parts.push(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${total} ${this.options.unit}`);
      parts.push(`${rate.toFixed(1)} ${this.options.unit}/s`);
      parts.push(`ETA ${formatDuration(rate > 0 ? (total - this.done) / rate : Number.NaN)}`);
    } else {
      parts.push(`${this.done} ${this.options.unit}`, `${rate.toFixed(1)} ${this.options.unit}/s`, formatDuration(elapsed));
    }
    for (const [key, value] of Object.entries(this.fields)) parts.push(`${key} ${value}`);
    return parts.join('  ');
  }

  private draw(force: boolean): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < (this.options.intervalMs ?? 200)) return;
    this.lastDraw = now;
    const columns = this.stream.columns ?? 120;
    this.stream.write(`\r${this.line().slice(0, columns - 1)}\x1b[K`);
  }

  /** Final line; on a terminal it replaces the bar. */
  finish(summary?: string): void {
    if (!this.enabled) return;
    this.draw(true);
    this.stream.write(summary ? `\r${summary}\x1b[K\n` : '\n');
  }
}
