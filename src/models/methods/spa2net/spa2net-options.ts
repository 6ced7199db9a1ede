/**
 * SPA2Net's switches (NetworkSpec.options, `wsol train --method spa2net --method-options '{...}'`).
 * Defaults are the official CUB/VGG16 settings (METHODS.md sections 2-3, `train_vgg_cub.sh`), except
 * where noted as SCALED or CHANGED.
 *
 *   sos          true    class-agnostic localization head (SOS) trained with BCE against the detached
 *                        SCM pseudo-mask; at test time sigmoid(SOS) is the map of every class. Off: the
 *                        head is not built and the maps are the class maps (as cam).
 *   sosWeight    0.5     lambda_sos.
 *   sosStart     0       first epoch of the SOS loss (see start epochs below).
 *   fgThreshold  0.2     pseudo-mask: 1 where SCM >= fgThreshold ...
 *   bgThreshold  0.1     ... 0 where SCM <= bgThreshold, the soft SCM value in between.
 *   scmNormalize "batch" min-max of the SCM over the whole batch (the official training code's quirk);
 *                        "image" normalises per image (as the official test code).
 *   hscStages    2       HSC from the last two stages (1: the last only).
 *   hscTau1      0.2     first-order affinities below tau1 are zeroed.
 *   hscTau2      1       high-order entries below tau2 / N are zeroed.
 *   highOrder    true    second-order correlation (false: first order only, for the ablation).
 *   hoWeight     1       w in max(FO, w * HO) for the pseudo-mask's HSC (SPA2Net uses 1).
 *   ra           true    restricted activation loss.
 *   raWeight     0.5     lambda_ra.
 *   raStart      0.2     SCALED: the paper starts RA at epoch 20 of 100 (CUB); here 20% of the run.
 *   raBgThreshold 0.1    t_bg: background where the normalised class variance < t_bg ...
 *   raGap        0.2     ... foreground where it is > t_bg + gap.
 *   sa           true    structure-biased self-attention on the last stage (attention logits + HSC
 *                        edge code); before saStart it is bypassed (the heads read the stage directly).
 *   saStart      0.2     SCALED: epoch 20 of 100 in the paper; here 20% of the run.
 *   saHeads      1       SCALED: the paper has 8 heads of width C; on wasm that makes a vgg-fast training
 *                        step ~13x slower than cam (26 s vs 2 s, batch 32); one head of width C (METHODS.md
 *                        3.8's small-model choice) costs ~2.8x cam.
 *   saHeadDim    0       per-head width; 0 = the stage's channel count C (the paper: d_k = d_model).
 *   saDropout    0.1     dropout on the attention weights (training only).
 *   saResidual   false   the paper has no residual; true adds the stage features back (not in the paper).
 *   saInitStd    0.001   normal init of the projections (the paper's N(0, 0.001)).
 *   distillWeight 1      NOT IN THE PAPER: with `wsol train --teacher DIR`, lambda of BCE(sos, sigmoid(teacher
 *                        sos)), which keeps a trained model's maps while it trains on (no teacher: unused).
 *   lrHead       1       CHANGED: the paper's cls head trains at 10x the backbone because it is new on
 *                        a pretrained backbone; our head is warm-started from cam (--init) too.
 *   lrSos        0.1     the paper: sos 1e-4 vs backbone 1e-3.
 *   lrSa         5       the paper: sa 5e-3 vs backbone 1e-3.
 *
 * Start epochs (sosStart, raStart, saStart): a value in (0, 1) is a fraction of the planned epochs
 * (rounded), any other value a 0-based epoch; the component is on from that epoch.
 */
import { z } from 'zod';
import { parseMethodOptions } from '../icl/shared-ops.js';

const unit = z.number().min(0).max(1);
const weight = z.number().min(0).max(100);
const start = z.number().min(0).max(100_000);
const lr = z.number().min(0).max(1000);

export const spa2netOptionsSchema = z.object({
  sos: z.boolean().default(true),
  sosWeight: weight.default(0.5),
  sosStart: start.default(0),
  fgThreshold: unit.default(0.2),
  bgThreshold: unit.default(0.1),
  scmNormalize: z.enum(['batch', 'image']).default('batch'),
  hscStages: z.union([z.literal(1), z.literal(2)]).default(2),
  hscTau1: unit.default(0.2),
  hscTau2: z.number().min(0).max(1000).default(1),
  highOrder: z.boolean().default(true),
  hoWeight: z.number().min(0).max(100).default(1),
  ra: z.boolean().default(true),
  raWeight: weight.default(0.5),
  raStart: start.default(0.2),
  raBgThreshold: unit.default(0.1),
  raGap: unit.default(0.2),
  sa: z.boolean().default(true),
  saStart: start.default(0.2),
  saHeads: z.number().int().min(1).max(64).default(1),
  saHeadDim: z.number().int().min(0).max(4096).default(0),
  saDropout: z.number().min(0).max(0.9).default(0.1),
  saResidual: z.boolean().default(false),
  saInitStd: z.number().min(0).max(10).default(0.001),
  distillWeight: weight.default(1),
  lrHead: lr.default(1),
  lrSos: lr.default(0.1),
  lrSa: lr.default(5),
}).refine((o) => o.bgThreshold <= o.fgThreshold, { message: 'bgThreshold must not exceed fgThreshold', path: ['bgThreshold'] });

export type Spa2NetOptions = z.infer<typeof spa2netOptionsSchema>;

export function parseSpa2NetOptions(raw: Record<string, unknown> | undefined): Spa2NetOptions {
  return parseMethodOptions('spa2net', spa2netOptionsSchema, raw);
}
