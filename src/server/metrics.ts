/**
 * What /metrics reports: per-stream rates and frame counts (from the pipeline), latency histograms
 * (from FrameResult.timings), and the WebSocket hub's clients and messages.
 */
import type { StreamInfo } from '../pipeline/pipeline-api.js';
import type { FrameResult } from '../pipeline/results.js';
import { Histogram, PrometheusWriter } from './prometheus-text.js';

const LATENCY_BOUNDS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ClientStats {
  id: number;
  remote: string;
  /** Messages sent to / dropped for (too slow) / thinned by the rate limit of this client. */
  sent: number;
  dropped: number;
  throttled: number;
  badMessages: number;
  bufferedBytes: number;
}

/** Totals over the server's life (clients that left included). */
export interface HubCounters {
  connected: number;
  refused: Record<string, number>;
  terminated: Record<string, number>;
  sent: number;
  dropped: number;
  badMessages: number;
}

export function emptyHubCounters(): HubCounters {
  return { connected: 0, refused: {}, terminated: {}, sent: 0, dropped: 0, badMessages: 0 };
}

export class ServerMetrics {
  private readonly inference = new Map<string, Histogram>();
  private readonly total = new Map<string, Histogram>();
  private results = 0;

  observeResult(result: FrameResult): void {
    this.results += 1;
    const timings = result.timings;
    if (!timings) return;
    histogramFor(this.inference, result.stream).observe(timings.inferenceMs / 1000);
    histogramFor(this.total, result.stream).observe(timings.totalMs / 1000);
  }

  forgetStream(stream: string): void {
    this.inference.delete(stream);
    this.total.delete(stream);
  }

  render(streams: readonly StreamInfo[], clients: readonly ClientStats[], counters: HubCounters): string {
    const perStream = (pick: (stream: StreamInfo) => number) => streams.map((stream) => ({ labels: { stream: stream.id }, value: pick(stream) }));
    const perClient = (pick: (client: ClientStats) => number) => clients.map((client) => ({ labels: { client: String(client.id) }, value: pick(client) }));
    const byReason = (record: Record<string, number>) => Object.entries(record).map(([reason, value]) => ({ labels: { reason }, value }));
    const labelled = (map: Map<string, Histogram>) => [...map].map(([stream, histogram]) => ({ labels: { stream }, histogram }));
    return new PrometheusWriter()
      .family('wsol_streams', 'gauge', 'Streams the pipeline runs.', [{ value: streams.length }])
      .family('wsol_stream_input_fps', 'gauge', 'Frames per second decoded, over the last few seconds.', perStream((s) => s.fps.input))
      .family('wsol_stream_processed_fps', 'gauge', 'Frames per second localized, over the last few seconds.', perStream((s) => s.fps.processed))
      .family('wsol_stream_skipped_fps', 'gauge', 'Frames per second dropped by a live stream that fell behind.', perStream((s) => s.fps.skipped))
      .family('wsol_stream_frames_decoded_total', 'counter', 'Frames decoded.', perStream((s) => s.frames.decoded))
      .family('wsol_stream_frames_processed_total', 'counter', 'Frames localized.', perStream((s) => s.frames.processed))
      .family('wsol_stream_frames_dropped_total', 'counter', 'Frames dropped before the model (live streams).', perStream((s) => s.frames.dropped))
      .family('wsol_results_total', 'counter', 'Frame results the server received from the pipeline.', [{ value: this.results }])
      .histogramFamily('wsol_inference_latency_seconds', 'Model call time of the batch each frame was in.', labelled(this.inference))
      .histogramFamily('wsol_result_latency_seconds', 'Time from decode to finished result (queue, model, smoothing, boxes, tracks).', labelled(this.total))
      .family('wsol_ws_clients', 'gauge', 'WebSocket clients connected now.', [{ value: clients.length }])
      .family('wsol_ws_clients_connected_total', 'counter', 'WebSocket clients accepted since start.', [{ value: counters.connected }])
      .family('wsol_ws_clients_refused_total', 'counter', 'WebSocket upgrades refused, by reason.', byReason(counters.refused))
      .family('wsol_ws_clients_terminated_total', 'counter', 'WebSocket clients cut off by the server, by reason.', byReason(counters.terminated))
      .family('wsol_ws_messages_sent_total', 'counter', 'Messages sent to WebSocket clients.', [{ value: counters.sent }])
      .family('wsol_ws_messages_dropped_total', 'counter', 'Messages dropped for slow clients (all clients, since start).', [{ value: counters.dropped }])
      .family('wsol_ws_bad_messages_total', 'counter', 'Malformed or refused messages from clients.', [{ value: counters.badMessages }])
      .family('wsol_ws_client_dropped_messages_total', 'counter', 'Messages dropped for this connected client (it reads too slowly).', perClient((c) => c.dropped))
      .family('wsol_ws_client_sent_messages_total', 'counter', 'Messages sent to this connected client.', perClient((c) => c.sent))
      .family('wsol_ws_client_buffered_bytes', 'gauge', 'Bytes waiting unsent to this connected client.', perClient((c) => c.bufferedBytes))
      .family('process_resident_memory_bytes', 'gauge', 'Resident set size of the server process.', [{ value: process.memoryUsage.rss() }])
      .text();
  }
}

function histogramFor(map: Map<string, Histogram>, stream: string): Histogram {
  let histogram = map.get(stream);
  if (!histogram) {
    histogram = new Histogram(LATENCY_BOUNDS_S);
    map.set(stream, histogram);
  }
  return histogram;
}
