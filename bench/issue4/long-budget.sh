#!/usr/bin/env bash
# ICL vs cam at 5x the issue-4 budget (5 epochs over the same 2,000 images), seed 1, val-only choices.
set -euo pipefail
cd /work/main
wsol() { nice -n 10 node_modules/.bin/tsx src/cli.ts "$@"; }
for m in icl cam; do
  name=$m-long-s1
  echo "$(date -u +%T) train $name"
  wsol train --data .cache/data/synth --method $m --out .cache/models/issue4/$name --init .cache/models/issue4/init-stage1 \
    --backbone vgg-fast --head-width 64 --backend wasm --epochs 5 --batch 32 --limit 2000 \
    --lr 0.0003 --schedule cosine --seed 1 --val-images 300 --force > .cache/logs/issue4/$name.log 2>&1
  echo "$(date -u +%T) eval $name"
  wsol eval --model .cache/models/issue4/$name --data .cache/data/synth --backend wasm --json --out docs/results/issue4/$name.json > /dev/null 2> .cache/logs/issue4/eval-$name.log
done
echo "$(date -u +%T) done"
