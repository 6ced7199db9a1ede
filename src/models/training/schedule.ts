/**
 * Learning-rate schedules, evaluated per step from the base rate:
 *  - cosine:   lr * 0.5 * (1 + cos(pi * t)), t = progress through all steps (0..1), after a linear
 *              warm-up over the first `warmupSteps`;
 *  - step:     lr * gamma^(number of milestones passed), milestones in epochs (DGL: x0.1 at 10, 20);
 *  - constant: lr.
 */
import { WsolError } from '../../errors.js';

export type ScheduleName = 'cosine' | 'step' | 'constant';
export const SCHEDULE_NAMES: readonly ScheduleName[] = ['cosine', 'step', 'constant'];

export interface ScheduleConfig {
  name: ScheduleName;
  /** Epochs at which `step` multiplies the rate by gamma. */
  milestones: number[];
  gamma: number;
  warmupSteps: number;
}

export function learningRateAt(baseLr: number, cfg: ScheduleConfig, step: number, stepsPerEpoch: number, epochs: number): number {
  const total = Math.max(1, stepsPerEpoch * epochs);
  const warm = cfg.warmupSteps > 0 && step < cfg.warmupSteps ? (step + 1) / cfg.warmupSteps : 1;
  switch (cfg.name) {
    case 'constant':
      return baseLr * warm;
    case 'step': {
      const epoch = Math.floor(step / Math.max(1, stepsPerEpoch));
      const passed = cfg.milestones.filter((m) => epoch >= m).length;
      return baseLr * warm * cfg.gamma ** passed;
    }
    case 'cosine': {
      const t = Math.min(1, step / total);
      return baseLr * warm * 0.5 * (1 + Math.cos(Math.PI * t));
    }
    default:
      throw new WsolError('usage', `Unknown learning-rate schedule "${String(cfg.name)}".`, { hint: `Use one of: ${SCHEDULE_NAMES.join(', ')}.` });
  }
}
