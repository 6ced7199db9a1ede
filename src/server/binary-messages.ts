/**
 * Encoding (and, for tests and Node clients, decoding) of the binary messages of protocol.ts:
 * heatmaps (header + uint8 map) and preview JPEGs (header + JPEG bytes).
 */
import { computeGeometry, type FitMode } from '../pipeline/geometry.js';
import type { PreviewFrame } from '../pipeline/pipeline-api.js';
import type { FrameResult, HeatmapU8 } from '../pipeline/results.js';
import { BINARY_FIXED_HEADER_BYTES, BINARY_KIND, NO_CLASS, PROTOCOL_VERSION, type BinaryHeader } from './protocol.js';

type Rect = [number, number, number, number];
const WHOLE: Rect = [0, 0, 1, 1];

function encode(header: BinaryHeader, payload: Uint8Array): Buffer {
  const id = Buffer.from(header.stream, 'utf8');
  if (id.length > 255) throw new RangeError(`stream id longer than 255 bytes: ${header.stream.slice(0, 40)}...`);
  const headerBytes = BINARY_FIXED_HEADER_BYTES + id.length;
  const out = Buffer.allocUnsafe(headerBytes + payload.length);
  out.writeUInt8(PROTOCOL_VERSION, 0);
  out.writeUInt8(BINARY_KIND[header.kind], 1);
  out.writeUInt16LE(headerBytes, 2);
  out.writeUInt32LE(header.index >>> 0, 4);
  out.writeDoubleLE(header.ptsMs, 8);
  out.writeUInt16LE(header.width, 16);
  out.writeUInt16LE(header.height, 18);
  out.writeUInt16LE(header.cls ?? NO_CLASS, 20);
  out.writeUInt16LE(0, 22);
  header.content.forEach((value, i) => out.writeFloatLE(value, 24 + i * 4));
  out.writeUInt8(id.length, 40);
  id.copy(out, BINARY_FIXED_HEADER_BYTES);
  out.set(payload, headerBytes);
  return out;
}

/**
 * The part of the model input (and so of the map) that shows the source frame, as fractions.
 * The map covers the whole model input; with letterboxing, bars surround the picture.
 */
export function heatmapContentRect(sourceWidth: number, sourceHeight: number, inputSize: [number, number], fit: FitMode): Rect {
  const [width, height] = inputSize;
  if (fit === 'stretch' || !(sourceWidth > 0) || !(sourceHeight > 0) || !(width > 0) || !(height > 0)) return [...WHOLE];
  const geometry = computeGeometry(sourceWidth, sourceHeight, { width, height, fit });
  return [geometry.contentX / width, geometry.contentY / height, geometry.contentWidth / width, geometry.contentHeight / height];
}

export function encodeHeatmapMessage(result: FrameResult, heatmap: HeatmapU8, content: Rect): Buffer {
  if (heatmap.data.length !== heatmap.width * heatmap.height) {
    throw new RangeError(`heatmap of ${heatmap.width}x${heatmap.height} holds ${heatmap.data.length} values`);
  }
  return encode(
    { kind: 'heatmap', stream: result.stream, index: result.index, ptsMs: result.ptsMs, width: heatmap.width, height: heatmap.height, cls: heatmap.cls, content },
    heatmap.data,
  );
}

export function encodePreviewMessage(preview: PreviewFrame): Buffer {
  return encode(
    { kind: 'preview', stream: preview.stream, index: preview.index, ptsMs: preview.ptsMs, width: preview.width, height: preview.height, cls: undefined, content: [...WHOLE] },
    preview.jpeg,
  );
}

/** Reads a binary message; throws a RangeError naming what is wrong when it is not one. */
export function decodeBinaryMessage(bytes: Uint8Array): { header: BinaryHeader; payload: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < BINARY_FIXED_HEADER_BYTES) throw new RangeError(`binary message of ${bytes.length} bytes is shorter than its header`);
  const version = view.getUint8(0);
  if (version !== PROTOCOL_VERSION) throw new RangeError(`binary message of protocol version ${version}, expected ${PROTOCOL_VERSION}`);
  const kindCode = view.getUint8(1);
  const kind = kindCode === BINARY_KIND.heatmap ? 'heatmap' : kindCode === BINARY_KIND.preview ? 'preview' : undefined;
  if (!kind) throw new RangeError(`unknown binary message kind ${kindCode}`);
  const headerBytes = view.getUint16(2, true);
  const idLength = view.getUint8(40);
  if (headerBytes !== BINARY_FIXED_HEADER_BYTES + idLength || headerBytes > bytes.length) throw new RangeError('inconsistent binary header length');
  const cls = view.getUint16(20, true);
  const header: BinaryHeader = {
    kind,
    index: view.getUint32(4, true),
    ptsMs: view.getFloat64(8, true),
    width: view.getUint16(16, true),
    height: view.getUint16(18, true),
    cls: cls === NO_CLASS ? undefined : cls,
    content: [0, 1, 2, 3].map((i) => view.getFloat32(24 + i * 4, true)) as Rect,
    stream: Buffer.from(bytes.subarray(BINARY_FIXED_HEADER_BYTES, headerBytes)).toString('utf8'),
  };
  const payload = bytes.subarray(headerBytes);
  if (kind === 'heatmap' && payload.length !== header.width * header.height) {
    throw new RangeError(`heatmap payload of ${payload.length} bytes, expected ${header.width}x${header.height}`);
  }
  return { header, payload };
}
