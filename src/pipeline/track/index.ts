/** Multi-object tracking (ByteTrack): the tracker and the parts other modules reuse. */
export { ByteTracker, type TrackerConfig, type TrackerFrame, type TrackerUpdate } from './byte-tracker.js';
export { costMatrix, linearAssignment, type Assignment, type CostMatrix } from './linear-assignment.js';
export { continuousIou } from './box-iou.js';
export { initiate, predict, project, update, type KalmanState, type XyahBox } from './kalman.js';
