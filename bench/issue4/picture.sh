#!/usr/bin/env bash
# docs/method-comparison.png: the first 6 test images, one column per method (the map overlay of
# `wsol eval --vis`, true boxes green, predicted red at the val-chosen tau), from the seed-1 runs of
# bench/issue4/run.sh. Usage: bench/issue4/picture.sh [VIS_DIR] [OUT_PNG] [method...]
set -euo pipefail
cd "$(dirname "$0")/../.."
vis=${1:-.cache/vis/issue4}; out=${2:-docs/method-comparison.png}; shift $(( $# > 2 ? 2 : $# ))
methods=("$@"); [ ${#methods[@]} -gt 0 ] || methods=(cam gradcam dgl icl spa2net)
ffmpeg=${FFMPEG:-/usr/bin/ffmpeg}
font=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
cell=112; rows=6
inputs=(); n=0; filter=""; cols=""
for c in "${!methods[@]}"; do
  m=${methods[$c]}
  files=("$vis/$m"/00[0-5]-*.png)
  [ ${#files[@]} -eq $rows ] || { echo "expected $rows pictures in $vis/$m" >&2; exit 1; }
  column=""
  for r in "${!files[@]}"; do
    i=$n; n=$((n + 1)); inputs+=(-i "${files[$r]}")
    # Right panel of each picture (the overlay), shrunk to one cell.
    filter+="[$i:v]crop=iw/2:ih:iw/2:0,scale=$cell:$cell:flags=area[c${c}r$r];"
    column+="[c${c}r$r]"
  done
  filter+="${column}vstack=inputs=$rows,pad=iw+2:ih+18:1:18:white,drawtext=fontfile=$font:text=$m:x=(w-tw)/2:y=3:fontsize=13:fontcolor=black[col$c];"
  cols+="[col$c]"
done
# A 128-colour palette keeps the PNG small (heat maps compress badly in true colour).
filter+="${cols}hstack=inputs=${#methods[@]},split[a][b];[a]palettegen=max_colors=128:stats_mode=single[p];[b][p]paletteuse=dither=none[out]"
"$ffmpeg" -hide_banner -loglevel error -y "${inputs[@]}" -filter_complex "$filter" -map "[out]" -frames:v 1 "$out"
echo "wrote $out" >&2
