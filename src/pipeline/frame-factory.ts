/** Wraps decoded pixels into pipeline Frames, with the geometry of their source size (cached). */
import type { DecodedFrame } from './decoder-run.js';
import { computeGeometry, type ModelInput } from './geometry.js';
import type { Frame, FrameGeometry, SourceEvent, SourceStatus, SourceStatusKind } from './types.js';

export class FrameFactory {
  private geometry: FrameGeometry | undefined;

  constructor(
    private readonly stream: string,
    private readonly input: ModelInput,
  ) {}

  frame(decoded: DecodedFrame, index: number, ptsMs: number): SourceEvent {
    let geometry = this.geometry;
    // Live sources may change resolution between (or within) connections.
    if (!geometry || geometry.sourceWidth !== decoded.sourceWidth || geometry.sourceHeight !== decoded.sourceHeight) {
      geometry = this.geometry = computeGeometry(decoded.sourceWidth, decoded.sourceHeight, this.input);
    }
    const frame: Frame = {
      stream: this.stream,
      index,
      ptsMs,
      width: this.input.width,
      height: this.input.height,
      pixels: decoded.pixels,
      geometry,
      decodedAt: Date.now(),
      ...(decoded.display ? { display: decoded.display } : {}),
      ...(decoded.preview ? { preview: decoded.preview } : {}),
    };
    return { type: 'frame', frame };
  }

  status(status: SourceStatusKind, extra: Partial<Pick<SourceStatus, 'reason' | 'attempt' | 'delayMs'>> = {}): SourceEvent {
    return { type: 'status', status: { stream: this.stream, status, ...extra, at: Date.now() } };
  }
}
