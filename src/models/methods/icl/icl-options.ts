/**
 * ICL's switches (NetworkSpec.options, `wsol train --method icl --method-options '{...}'`). Every
 * component can be turned off for ablations. ICL's code is not public (METHODS.md section 4): the
 * ADL values are ADL's official ones; the rest is the section 4.3 reconstruction, marked GUESS.
 *
 *   adl               true   ADL gate during training: per batch and per position, the drop mask with
 *                            probability dropRate, else the importance map sigmoid(a) (identity at test).
 *   dropRate          0.75   ADL adl_keep_prob 0.25.
 *   dropThreshold     0.9    gamma: drop mask 1[a < gamma * max a].
 *   positions         auto   layers after which an ICL block sits, e.g. ["stage2_pool", "stage3_out"].
 *                            Default: ADL's VGG16 placement scaled to our backbones: after the pool of
 *                            stage S-2 (its output when it has no pool), after stage S-1 and after stage S.
 *   nonLocal          true   non-local attention block before each gate (residual, W_z zero-initialised,
 *                            so a warm-started cam network starts unchanged); attention = channel mean
 *                            of its output.
 *   nonLocalReduction 2      C' = C / 2 channels for theta, phi, g.
 *   backgroundDrop    true   the drop branch also drops the background: gate Fg * D.
 *   bgThreshold       0.2    beta: background 1[a < beta * max a] (GUESS, section 4.3 suggests 0.1-0.2).
 *   contrastive       true   contrastive attention loss (triplet on masked-pooled embeddings).
 *   contrastiveWeight 1      lambda_CA (GUESS).
 *   margin            1      triplet margin m on squared distances of unit vectors (GUESS).
 *   consistency       true   foreground consistency loss (last position's attention as the detached reference).
 *   consistencyWeight 1      lambda_FC (GUESS).
 *   consistencyNorm   "l1"   l1 or l2 distance of the min-max normalised attentions (GUESS).
 */
import { z } from 'zod';
import { parseMethodOptions } from './shared-ops.js';

const unit = z.number().min(0).max(1);
const weight = z.number().min(0).max(100);

export const iclOptionsSchema = z.object({
  adl: z.boolean().default(true),
  dropRate: unit.default(0.75),
  dropThreshold: unit.default(0.9),
  positions: z.array(z.string().regex(/^stage\d+_(out|pool)$/, 'must name stage{s}_out or stage{s}_pool')).min(1).optional(),
  nonLocal: z.boolean().default(true),
  nonLocalReduction: z.number().int().min(1).max(64).default(2),
  backgroundDrop: z.boolean().default(true),
  bgThreshold: unit.default(0.2),
  contrastive: z.boolean().default(true),
  contrastiveWeight: weight.default(1),
  margin: z.number().min(0).max(4).default(1),
  consistency: z.boolean().default(true),
  consistencyWeight: weight.default(1),
  consistencyNorm: z.enum(['l1', 'l2']).default('l1'),
});

export type IclOptions = z.infer<typeof iclOptionsSchema>;

export function parseIclOptions(raw: Record<string, unknown> | undefined): IclOptions {
  return parseMethodOptions('icl', iclOptionsSchema, raw);
}
