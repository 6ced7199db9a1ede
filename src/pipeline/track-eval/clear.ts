/**
 * CLEAR MOT metrics as TrackEval's clear.py defines them. Per frame, gt and predicted boxes are
 * matched by optimal assignment on IoU (pairs under the threshold never match), with a bonus of
 * 1000 for continuing the match a gt object had in the previous compared frame, so identity is kept
 * first and overlap maximised second. Over the sequence:
 *
 *   MOTA = (TP - FP - IDSW) / max(1, GT boxes),  MOTP = mean IoU of the matches,
 *   IDSW = a gt object matched to another prediction id than the last one it was matched to,
 *   Frag = times a gt object's match resumes after an interruption (TrackEval's counting: a frame
 *          with no predicted box at all does not interrupt it),
 *   MT / PT / ML = gt objects matched in > 80%, 20..80%, < 20% of the frames they appear in.
 */
import { costMatrix, linearAssignment } from '../track/linear-assignment.js';
import type { SequenceData } from './sequence.js';

export interface ClearMetrics {
  mota: number;
  moda: number;
  motp: number;
  /** TP / (TP + FN). */
  recall: number;
  /** TP / (TP + FP). */
  precision: number;
  tp: number;
  fp: number;
  fn: number;
  idsw: number;
  frag: number;
  mt: number;
  pt: number;
  ml: number;
}

/** numpy's float epsilon, which TrackEval uses around its thresholds. */
const EPS = 2.220446049250313e-16;
const CONTINUE_BONUS = 1000;

export function clearMetrics(seq: SequenceData, threshold = 0.5): ClearMetrics {
  const nGt = seq.gtIdCount;
  const gtSeen = new Float64Array(nGt);
  const gtMatched = new Float64Array(nGt);
  const gtFragments = new Float64Array(nGt);
  // Last prediction id each gt object was matched to, ever (IDSW) and in the previous compared frame (matching).
  const lastMatch = new Int32Array(nGt).fill(-1);
  const previousStep = new Int32Array(nGt).fill(-1);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let idsw = 0;
  let iouSum = 0;

  for (const { gtIds, predIds, similarity } of seq.frames) {
    const nG = gtIds.length;
    const nP = predIds.length;
    if (nG === 0) {
      fp += nP;
      continue;
    }
    if (nP === 0) {
      fn += nG;
      for (const g of gtIds) gtSeen[g] += 1;
      continue;
    }
    const cost = costMatrix(nG, nP, (i, j) => {
      const iou = similarity[i * nP + j]!;
      if (iou < threshold - EPS) return Infinity;
      const score = (previousStep[gtIds[i]!] === predIds[j] ? CONTINUE_BONUS : 0) + iou;
      return score > EPS ? -score : Infinity;
    });
    const { matches } = linearAssignment(cost, 0);

    for (const g of gtIds) gtSeen[g] += 1;
    const wasTracked = previousStep.map((p) => (p >= 0 ? 1 : 0));
    previousStep.fill(-1);
    for (const [i, j] of matches) {
      const g = gtIds[i]!;
      const p = predIds[j]!;
      if (lastMatch[g] !== -1 && lastMatch[g] !== p) idsw += 1;
      lastMatch[g] = p;
      previousStep[g] = p;
      gtMatched[g] += 1;
      iouSum += similarity[i * nP + j]!;
    }
    for (let g = 0; g < nGt; g += 1) if (!wasTracked[g] && previousStep[g]! >= 0) gtFragments[g] += 1;
    tp += matches.length;
    fn += nG - matches.length;
    fp += nP - matches.length;
  }

  let mt = 0;
  let pt = 0;
  let frag = 0;
  for (let g = 0; g < nGt; g += 1) {
    if (gtFragments[g]! > 0) frag += gtFragments[g]! - 1;
    if (gtSeen[g] === 0) continue;
    const ratio = gtMatched[g]! / gtSeen[g]!;
    if (ratio > 0.8) mt += 1;
    else if (ratio >= 0.2) pt += 1;
  }
  const gtBoxes = Math.max(1, tp + fn);
  return {
    mota: (tp - fp - idsw) / gtBoxes,
    moda: (tp - fp) / gtBoxes,
    motp: iouSum / Math.max(1, tp),
    recall: tp / gtBoxes,
    precision: tp / Math.max(1, tp + fp),
    tp, fp, fn, idsw, frag, mt, pt,
    ml: nGt - mt - pt,
  };
}
