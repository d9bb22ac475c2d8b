#!/usr/bin/env bash
# Nottingham ablations of the points where the paper, its released code and our defaults part
# (issue 9): each variant is one `reproduce` run on learning-rate draws 4 and 6 (the draws the
# full Nottingham grid selected) × the three units, into docs/results/ablations/<variant>/.
# Then scripts/ablation-table.mjs writes docs/results/ablations/README.md.
#   scripts/ablations.sh [epochs]      (default 40; each variant takes 2–4 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
E="${1:-40}"
DATA="${GATEDRNN_DATA:-../shared/data}"
run() { local name="$1"; shift; node bin/gatedrnn.js reproduce --dataset nottingham --data "$DATA" --only-trials 4,6 --epochs "$E" --workers 2 --progress log --out "docs/results/ablations/$name" "$@"; }
run baseline
run step-clip --clip-mode step
run rms-eps --rms-floor 0 --rms-eps 1e-4
run eval-noise --eval-noise 0.075
run batch-8 --batch-size 8
run uniform-init --recurrent-init uniform
run code-schedule --epochs "$((E * 3))" --patience "$((E * 3))"
node scripts/ablation-table.mjs
