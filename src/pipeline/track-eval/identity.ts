/**
 * Identity metrics (IDF1, IDP, IDR) as TrackEval's identity.py defines them: one global one-to-one
 * matching of gt ids to predicted ids that minimises IDFN + IDFP over the whole sequence. A gt box
 * and a predicted box "could match" when their IoU >= the threshold; a pair of ids matched globally
 * earns an IDTP for every frame in which their boxes could match.
 *
 * TrackEval solves this on a (G + T) x (G + T) matrix with dummy rows and columns; since
 * IDFN + IDFP = gtBoxes + predBoxes - 2 * IDTP for any matching, the same optimum is the maximum
 * total of "could match" counts over a gt-to-prediction matching, which is solved here directly.
 */
import { costMatrix, linearAssignment } from '../track/linear-assignment.js';
import type { SequenceData } from './sequence.js';

export interface IdentityMetrics {
  idf1: number;
  idp: number;
  idr: number;
  idtp: number;
  idfp: number;
  idfn: number;
}

export function identityMetrics(seq: SequenceData, threshold = 0.5): IdentityMetrics {
  const nGt = seq.gtIdCount;
  const nPred = seq.predIdCount;
  // couldMatch[g * nPred + p]: frames in which gt id g and prediction id p overlap enough.
  const couldMatch = new Float64Array(nGt * nPred);
  for (const { gtIds, predIds, similarity } of seq.frames) {
    const nP = predIds.length;
    for (let i = 0; i < gtIds.length; i += 1) {
      for (let j = 0; j < nP; j += 1) {
        if (similarity[i * nP + j]! >= threshold) couldMatch[gtIds[i]! * nPred + predIds[j]!] += 1;
      }
    }
  }
  let idtp = 0;
  if (nGt > 0 && nPred > 0) {
    const cost = costMatrix(nGt, nPred, (g, p) => -couldMatch[g * nPred + p]!);
    for (const [g, p] of linearAssignment(cost, 0).matches) idtp += couldMatch[g * nPred + p]!;
  }
  const idfn = seq.gtDets - idtp;
  const idfp = seq.predDets - idtp;
  return {
    idf1: idtp / Math.max(1, idtp + 0.5 * idfp + 0.5 * idfn),
    idp: idtp / Math.max(1, idtp + idfp),
    idr: idtp / Math.max(1, idtp + idfn),
    idtp, idfp, idfn,
  };
}
