/**
 * Cuts a stream of concatenated JPEG files (ffmpeg's `-c:v mjpeg -f image2pipe`) into pictures.
 *
 * A byte search for EOI (FF D9) is not enough: marker segments (quantisation tables, comments) are
 * raw bytes and may hold FF D9. So the splitter walks the structure: SOI, then marker segments
 * skipped by their length, then after SOS the entropy-coded data, where every FF data byte is
 * stuffed (FF 00) and FF D0..D7 are restart markers, so the first other FF xx is the next marker.
 * The picture size is read from the SOF segment on the way.
 */

export interface JpegPicture {
  width: number;
  height: number;
  /** A copy of the whole file, SOI .. EOI. */
  jpeg: Uint8Array;
}

type State = 'seek-soi' | 'segments' | 'entropy';

const MARKER = 0xff;
const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;

/** SOF0..SOF15 without DHT (C4), JPG (C8) and DAC (CC): the segments that carry the frame size. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Markers without a length field. */
function isStandalone(marker: number): boolean {
  return (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01;
}

/** A picture this big without EOI is not a preview; give up on it rather than grow without bound. */
const MAX_PICTURE_BYTES = 64 * 1024 * 1024;

export class JpegSplitter {
  private data = new Uint8Array(64 * 1024);
  /** Unconsumed bytes are data[start, end); `pos` is where parsing continues. */
  private start = 0;
  private end = 0;
  private pos = 0;
  private state: State = 'seek-soi';
  private width = 0;
  private height = 0;
  /** Bytes thrown away: garbage between pictures, pictures without EOI. */
  skippedBytes = 0;

  push(chunk: Uint8Array, emit: (picture: JpegPicture) => void): void {
    this.append(chunk);
    this.parse(emit);
    if (this.end - this.start > MAX_PICTURE_BYTES) this.resync(this.end);
  }

  /** Bytes of an incomplete picture held so far. */
  get pendingBytes(): number {
    return this.end - this.start;
  }

  private append(chunk: Uint8Array): void {
    const kept = this.end - this.start;
    if (this.end + chunk.length > this.data.length) {
      // Move the unconsumed bytes to the front, into a bigger buffer if needed.
      if (kept + chunk.length > this.data.length) {
        const bigger = new Uint8Array(Math.max(2 * this.data.length, kept + chunk.length));
        bigger.set(this.data.subarray(this.start, this.end));
        this.data = bigger;
      } else {
        this.data.copyWithin(0, this.start, this.end);
      }
      this.pos -= this.start;
      this.start = 0;
      this.end = kept;
    }
    this.data.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** Drops everything before `at` and looks for the next SOI from there. */
  private resync(at: number): void {
    this.skippedBytes += at - this.start;
    this.start = at;
    this.pos = at;
    this.state = 'seek-soi';
  }

  private parse(emit: (picture: JpegPicture) => void): void {
    const data = this.data.subarray(0, this.end); // so searches never see stale bytes past the end
    for (;;) {
      if (this.state === 'seek-soi') {
        let at = data.indexOf(MARKER, this.pos);
        while (at >= 0 && at + 1 < this.end && data[at + 1] !== SOI) at = data.indexOf(MARKER, at + 1);
        if (at < 0 || at >= this.end) {
          this.resync(this.end);
          return;
        }
        if (at + 1 >= this.end) {
          this.resync(at); // a lone FF at the end may start an SOI
          return;
        }
        this.resync(at);
        this.state = 'segments';
        this.pos = at + 2;
        this.width = 0;
        this.height = 0;
      } else if (this.state === 'segments') {
        if (this.end - this.pos < 2) return;
        if (data[this.pos] !== MARKER) {
          this.resync(this.pos); // not a marker where one must be: a broken picture
          continue;
        }
        const marker = data[this.pos + 1];
        if (marker === MARKER) {
          this.pos++; // fill byte
        } else if (marker === EOI) {
          const stop = this.pos + 2;
          emit({ width: this.width, height: this.height, jpeg: data.slice(this.start, stop) });
          this.start = stop;
          this.pos = stop;
          this.state = 'seek-soi';
        } else if (marker === SOI) {
          this.resync(this.pos); // a new picture before this one ended
        } else if (isStandalone(marker)) {
          this.pos += 2;
        } else {
          if (this.end - this.pos < 4) return;
          const length = (data[this.pos + 2] << 8) | data[this.pos + 3];
          if (isStartOfFrame(marker)) {
            if (this.end - this.pos < 9) return;
            this.height = (data[this.pos + 5] << 8) | data[this.pos + 6];
            this.width = (data[this.pos + 7] << 8) | data[this.pos + 8];
          }
          // The segment may reach past the bytes we have; the check above waits for them.
          this.pos += 2 + length;
          if (marker === SOS) this.state = 'entropy';
        }
      } else {
        // Entropy-coded data: skip to the first FF that is neither stuffing nor a restart marker.
        if (this.pos >= this.end) return;
        let at = data.indexOf(MARKER, this.pos);
        for (;;) {
          if (at < 0 || at >= this.end) {
            this.pos = this.end;
            return;
          }
          if (at + 1 >= this.end) {
            this.pos = at;
            return;
          }
          const next = data[at + 1];
          if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) at = data.indexOf(MARKER, at + 2);
          else if (next === MARKER) at = at + 1;
          else break;
        }
        this.pos = at;
        this.state = 'segments';
      }
    }
  }
}
