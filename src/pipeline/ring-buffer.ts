/** Keeps the last `capacity` bytes of a text stream (ffmpeg's stderr), so errors can quote its tail. */
export class TextRingBuffer {
  private chunks: string[] = [];
  private size = 0;

  constructor(private readonly capacity = 8192) {}

  push(text: string): void {
    this.chunks.push(text);
    this.size += text.length;
    while (this.size > this.capacity && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
    }
    if (this.size > this.capacity) {
      const only = this.chunks[0]!;
      this.chunks = [only.slice(only.length - this.capacity)];
      this.size = this.capacity;
    }
  }

  text(): string {
    return this.chunks.join('');
  }

  /** The last `lines` non-empty lines. */
  tail(lines = 12): string {
    return this.text()
      .split(/\r?\n|\r/)
      .filter((line) => line.trim() !== '')
      .slice(-lines)
      .join('\n');
  }
}
