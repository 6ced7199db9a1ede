// Draws one dashboard frame on the canvas: the preview picture, the colourised heatmap (only the
// part of the map that shows the picture, letterbox bars left out), track trails, and boxes with
// track ids and labels. Boxes arrive normalised 0..1 to the source frame.
import { colorForTrack, colorizeMap } from './colors.js';

const DISPLAY_WIDTH = 640;
const LINE_WIDTH = 3;
const LABEL_FONT = '13px system-ui, sans-serif';

export class Overlay {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.heatCanvas = document.createElement('canvas');
    this.heatContent = null;
    this.aspect = null;
  }

  /** Sizes the canvas for a source of width x height (only when the aspect ratio changes). */
  fitTo(width, height) {
    if (!(width > 0 && height > 0)) return;
    const aspect = height / width;
    if (this.aspect !== null && Math.abs(aspect - this.aspect) < 1e-3) return;
    this.aspect = aspect;
    this.canvas.width = DISPLAY_WIDTH;
    this.canvas.height = Math.round(DISPLAY_WIDTH * aspect);
  }

  setHeatmap(message) {
    const { width, height, payload, content } = message;
    if (this.heatCanvas.width !== width || this.heatCanvas.height !== height) {
      this.heatCanvas.width = width;
      this.heatCanvas.height = height;
    }
    const context = this.heatCanvas.getContext('2d');
    const image = context.createImageData(width, height);
    colorizeMap(payload, image.data);
    context.putImageData(image, 0, 0);
    this.heatContent = content;
  }

  clearHeatmap() {
    this.heatContent = null;
  }

  /** view: { preview, result, trails: Map<id, [x, y][]>, show: { heatmap, boxes, trails }, opacity } */
  draw(view) {
    const { ctx, canvas } = this;
    const W = canvas.width;
    const H = canvas.height;
    ctx.globalAlpha = 1;
    ctx.fillStyle = '#202020';
    ctx.fillRect(0, 0, W, H);
    if (view.preview) ctx.drawImage(view.preview, 0, 0, W, H);
    if (view.show.heatmap && this.heatContent && view.opacity > 0) this.drawHeatmap(W, H, view.opacity);
    if (view.show.trails) this.drawTrails(view.trails, W, H);
    if (view.show.boxes && view.result) this.drawBoxes(view.result, W, H);
  }

  drawHeatmap(W, H, opacity) {
    const { ctx, heatCanvas } = this;
    const [x, y, w, h] = this.heatContent;
    ctx.save();
    ctx.globalAlpha = opacity;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(heatCanvas, x * heatCanvas.width, y * heatCanvas.height, w * heatCanvas.width, h * heatCanvas.height, 0, 0, W, H);
    ctx.restore();
  }

  drawTrails(trails, W, H) {
    const { ctx } = this;
    ctx.save();
    ctx.lineWidth = 2;
    ctx.globalAlpha = 0.7;
    for (const [id, points] of trails) {
      if (points.length < 2) continue;
      ctx.strokeStyle = colorForTrack(id);
      ctx.beginPath();
      points.forEach(([px, py], i) => (i === 0 ? ctx.moveTo(px * W, py * H) : ctx.lineTo(px * W, py * H)));
      ctx.stroke();
    }
    ctx.restore();
  }

  drawBoxes(result, W, H) {
    const { ctx } = this;
    ctx.save();
    ctx.font = LABEL_FONT;
    ctx.textBaseline = 'top';
    // Detections without a track yet: thin white, dashed; tracks: their own colour.
    ctx.setLineDash([4, 4]);
    ctx.lineWidth = 1;
    ctx.strokeStyle = 'rgba(255,255,255,0.8)';
    if (result.tracks.length === 0) for (const d of result.detections) this.rect(d.box, W, H);
    for (const track of result.tracks) {
      const color = colorForTrack(track.id);
      ctx.setLineDash(track.state === 'lost' ? [6, 4] : []);
      ctx.lineWidth = LINE_WIDTH;
      ctx.strokeStyle = color;
      this.rect(track.box, W, H);
      this.label(`#${track.id} ${track.label} ${track.score.toFixed(2)}`, track.box[0] * W, track.box[1] * H, color);
    }
    ctx.restore();
  }

  /** Strokes the box inside its pixels [x0, x1) x [y0, y1), so a box on the frame's edge stays on the canvas. */
  rect(box, W, H) {
    const inset = this.ctx.lineWidth / 2;
    const x0 = Math.min(W - 1, Math.max(0, Math.round(box[0] * W)));
    const y0 = Math.min(H - 1, Math.max(0, Math.round(box[1] * H)));
    const x1 = Math.min(W, Math.max(x0 + 1, Math.round(box[2] * W)));
    const y1 = Math.min(H, Math.max(y0 + 1, Math.round(box[3] * H)));
    this.ctx.strokeRect(x0 + inset, y0 + inset, Math.max(0, x1 - x0 - 2 * inset), Math.max(0, y1 - y0 - 2 * inset));
  }

  label(text, x, y, color) {
    const { ctx } = this;
    const width = ctx.measureText(text).width + 8;
    const height = 17;
    const top = y - height >= 0 ? y - height : y;
    ctx.setLineDash([]);
    ctx.fillStyle = color;
    ctx.fillRect(Math.round(x), Math.round(top), width, height);
    ctx.fillStyle = '#000';
    ctx.fillText(text, Math.round(x) + 4, Math.round(top) + 2);
  }
}
