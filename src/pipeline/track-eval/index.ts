/** Tracking evaluation (CLEAR MOT and identity metrics, as TrackEval defines them) of MOTChallenge files. */
export { evaluateTrackFiles, evaluateTracks, type TrackEvalOptions, type TrackEvalReport } from './evaluate.js';
export { clearMetrics, type ClearMetrics } from './clear.js';
export { identityMetrics, type IdentityMetrics } from './identity.js';
export { parseMotText, readMotFile, type MotFile, type MotRole, type MotRow } from './mot-file.js';
export { buildSequence, type FrameData, type SequenceData, type SequenceOptions } from './sequence.js';
