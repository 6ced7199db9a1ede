// The dashboard: picks a stream, subscribes to its results, events, heatmaps and previews, and
// draws them (overlay.js); shows fps, latency, tracks and notices; reconnects on its own.
/* global URLSearchParams, setInterval */
import { colorForTrack } from './colors.js';
import { Connection, serverSocketUrl } from './connection.js';
import { Overlay } from './overlay.js';

const TRAIL_POINTS = 30;
/** A trail whose track was not seen for this many frames is forgotten. */
const TRAIL_MAX_GAP = 30;
const STATS_WINDOW_MS = 2000;
const STREAM_POLL_MS = 2000;

const params = new URLSearchParams(location.search);
const token = params.get('token') || '';
const $ = (id) => document.getElementById(id);

const state = {
  streams: [],
  selected: params.get('stream') || '',
  model: null,
  result: null,
  preview: null,
  previewIndex: -1,
  trails: new Map(),
  trailSeen: new Map(),
  arrivals: [],
  latencies: [],
  inference: [],
  dropped: 0,
  dirty: true,
};

const overlay = new Overlay($('view'));
const connection = new Connection(serverSocketUrl(location, token), {
  onOpen: () => undefined,
  onJson: handleJson,
  onBinary: handleBinary,
  onState: showConnection,
});

function showConnection(status, detail) {
  const element = $('connection');
  element.className = `state state-${status}`;
  element.textContent = detail ? `${status}: ${detail}` : status;
  element.dataset.state = status;
}

function subscribe() {
  if (!state.selected) return;
  connection.send({ type: 'subscribe', streams: [state.selected], kinds: ['results', 'events', 'heatmaps', 'previews'] });
}

function resetView() {
  state.result = null;
  if (state.preview && state.preview.close) state.preview.close();
  state.preview = null;
  state.previewIndex = -1;
  state.trails.clear();
  state.trailSeen.clear();
  state.arrivals = [];
  state.latencies = [];
  state.inference = [];
  overlay.clearHeatmap();
  $('placeholder').hidden = false;
  state.dirty = true;
}

function setStreams(streams) {
  state.streams = streams;
  const picker = $('stream-picker');
  picker.replaceChildren(
    ...streams.map((stream) => {
      const option = document.createElement('option');
      option.value = stream.id;
      option.textContent = `${stream.id} (${stream.status})`;
      return option;
    }),
  );
  const ids = streams.map((stream) => stream.id);
  const wanted = ids.includes(state.selected) ? state.selected : ids[0] || '';
  picker.value = wanted;
  if (wanted !== state.selected) {
    state.selected = wanted;
    resetView();
  }
}

function handleJson(message) {
  switch (message.type) {
    case 'hello':
      state.model = message.model;
      setStreams(message.streams);
      subscribe();
      break;
    case 'streams': {
      const before = state.selected;
      setStreams(message.streams);
      if (state.selected !== before) subscribe();
      break;
    }
    case 'result':
      if (message.stream === state.selected) handleResult(message);
      break;
    case 'track':
      if (message.stream === state.selected && message.event === 'end') {
        state.trails.delete(message.track.id);
        state.trailSeen.delete(message.track.id);
      }
      break;
    case 'notice':
      addNotice(message);
      break;
    case 'dropped':
      state.dropped = message.total;
      break;
    case 'error':
      console.warn('wsol server:', message.code, message.message);
      break;
    default:
      break;
  }
}

function handleResult(result) {
  state.result = result;
  if (!state.preview) overlay.fitTo(result.width, result.height);
  const now = performance.now();
  state.arrivals.push(now);
  while (state.arrivals.length > 0 && now - state.arrivals[0] > STATS_WINDOW_MS) state.arrivals.shift();
  state.latencies = [...state.latencies.slice(-29), result.timing.totalMs];
  state.inference = [...state.inference.slice(-29), result.timing.inferenceMs];
  for (const track of result.tracks) {
    const [x0, y0, x1, y1] = track.box;
    const points = state.trails.get(track.id) || [];
    points.push([(x0 + x1) / 2, (y0 + y1) / 2]);
    if (points.length > TRAIL_POINTS) points.shift();
    state.trails.set(track.id, points);
    state.trailSeen.set(track.id, result.index);
  }
  for (const [id, seen] of state.trailSeen) {
    if (result.index - seen > TRAIL_MAX_GAP) {
      state.trails.delete(id);
      state.trailSeen.delete(id);
    }
  }
  $('placeholder').hidden = true;
  state.dirty = true;
  showStats();
}

function handleBinary(message) {
  if (message.stream !== state.selected) return;
  if (message.kind === 'heatmap') {
    overlay.setHeatmap(message);
    state.dirty = true;
    return;
  }
  const index = message.index;
  createImageBitmap(new Blob([message.payload], { type: 'image/jpeg' }))
    .then((bitmap) => {
      if (message.stream !== state.selected || index < state.previewIndex) return bitmap.close();
      if (state.preview && state.preview.close) state.preview.close();
      state.preview = bitmap;
      state.previewIndex = index;
      overlay.fitTo(message.width, message.height);
      $('placeholder').hidden = true;
      state.dirty = true;
    })
    .catch((error) => console.warn('wsol: bad preview JPEG', error));
}

const mean = (values) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN);
const ms = (value) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : '–');

function showStats() {
  const result = state.result;
  const span = state.arrivals.length > 1 ? state.arrivals[state.arrivals.length - 1] - state.arrivals[0] : 0;
  $('stat-frame').textContent = result ? String(result.index) : '–';
  $('stat-fps').textContent = span > 0 ? (((state.arrivals.length - 1) * 1000) / span).toFixed(1) : '–';
  $('stat-latency').textContent = ms(mean(state.latencies));
  $('stat-inference').textContent = ms(mean(state.inference));
  const top = result && result.scores[0];
  $('stat-class').textContent = top ? `${top.label} ${(top.p * 100).toFixed(0)}%` : '–';
  $('stat-dropped').textContent = String(state.dropped);
  $('tracks').replaceChildren(
    ...(result ? result.tracks : []).map((track) => {
      const item = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = colorForTrack(track.id);
      item.append(swatch, `#${track.id} ${track.label} ${track.score.toFixed(2)} ${track.state}, age ${track.age}`);
      return item;
    }),
  );
}

function addNotice(notice) {
  const list = $('notices');
  const item = document.createElement('li');
  item.className = notice.level;
  item.textContent = `${new Date(notice.at).toLocaleTimeString()} ${notice.stream}: ${notice.kind}: ${notice.message}`;
  list.prepend(item);
  while (list.children.length > 20) list.lastChild.remove();
}

/** The picker's labels follow each stream's status (the list itself changes only on `streams` messages). */
function showStreamStatus(streams) {
  for (const option of $('stream-picker').options) {
    const stream = streams.find((candidate) => candidate.id === option.value);
    if (stream) option.textContent = `${stream.id} (${stream.status})`;
  }
}

async function pollStreams() {
  try {
    const response = await fetch('/api/streams', { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    if (!response.ok) return;
    const body = await response.json();
    showStreamStatus(body.streams);
    const stream = body.streams.find((candidate) => candidate.id === state.selected);
    $('stat-pipeline-fps').textContent = stream ? `${stream.fps.processed.toFixed(1)} (in ${stream.fps.input.toFixed(1)}, skipped ${stream.fps.skipped.toFixed(1)})` : '–';
  } catch {
    // the server is away; the connection state already says so
  }
}

function render() {
  if (state.dirty) {
    state.dirty = false;
    overlay.draw({
      preview: state.preview,
      result: state.result,
      trails: state.trails,
      opacity: Number($('opacity').value) / 100,
      show: { heatmap: $('show-heatmap').checked, boxes: $('show-boxes').checked, trails: $('show-trails').checked },
    });
  }
  requestAnimationFrame(render);
}

$('stream-picker').addEventListener('change', (event) => {
  state.selected = event.target.value;
  resetView();
  subscribe();
});
for (const id of ['opacity', 'show-heatmap', 'show-boxes', 'show-trails']) $(id).addEventListener('input', () => (state.dirty = true));

window.wsolDashboard = { state, connection, colorForTrack };
connection.start();
setInterval(pollStreams, STREAM_POLL_MS);
void pollStreams();
requestAnimationFrame(render);
