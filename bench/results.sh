#!/usr/bin/env bash
# Reproduces the tables of docs/RESULTS.md: evaluates a model folder with every map method on the
# synthetic set and prints the markdown rows. Usage: bench/results.sh MODEL_DIR DATA_DIR OUT_DIR [dgl layers...]
set -euo pipefail
model=${1:?model folder}; data=${2:?data folder}; out=${3:?output folder}; shift 3
layers=("$@"); [ ${#layers[@]} -gt 0 ] || layers=(stage6_out stage3_out)
wsol() { node_modules/.bin/tsx src/cli.ts "$@"; }
mkdir -p "$out"
wsol eval --model "$model" --data "$data" --backend wasm --json --out "$out/cam.json" > /dev/null
wsol eval --model "$model" --data "$data" --backend wasm --method gradcam --json --out "$out/gradcam.json" > /dev/null
for layer in "${layers[@]}"; do
  wsol eval --model "$model" --data "$data" --backend wasm --method dgl --layer "$layer" --json --out "$out/dgl-$layer.json" > /dev/null
done
node_modules/.bin/tsx bench/results-table.ts "$out"/*.json
