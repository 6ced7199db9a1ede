/**
 * A one-line progress display on stderr: done/total, rate, ETA, plus free-form fields (loss,
 * accuracy...). On a terminal the line redraws in place. Elsewhere (a log file, a pipe) it stays
 * silent unless `logIntervalMs` is set; then it writes the line, newline-terminated, at most that
 * often, so a long run in the background still shows how far it is.
 */
export interface ProgressOptions {
  label: string;
  total?: number;
  unit: string;
  /** Minimum ms between redraws. */
  intervalMs?: number;
  /** When the stream is not a terminal: write a plain line at most this often (default: never). */
  logIntervalMs?: number;
  stream?: Pick<NodeJS.WriteStream, 'write' | 'isTTY' | 'columns'>;
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
  private lastLog: number;
  private readonly stream: Pick<NodeJS.WriteStream, 'write' | 'isTTY' | 'columns'>;
  private readonly enabled: boolean;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.enabled = Boolean(this.stream.isTTY);
    this.lastLog = this.startedAt;
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
    const now = Date.now();
    if (!this.enabled) {
      const every = this.options.logIntervalMs;
      if (every !== undefined && !force && now - this.lastLog >= every) {
        this.lastLog = now;
        this.stream.write(`${this.line()}\n`);
      }
      return;
    }
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
