#!/usr/bin/env bash
# The full music protocol of issue 9 with the settings the Nottingham ablations chose:
# the released code's optimiser step clipping and its schedule (no patience: the best-validation
# parameters of the whole run are kept; the learning rate decays linearly to 1 % by the last
# epoch), 200 epochs, B = 1, weight noise 0.075 in training, 10 draws × 3 units.
#   JSB: the full grid, seeds 1–3, and the same grid with successive halving (seed 1);
#   Nottingham (seeds 1–3), MuseData, Piano-midi: successive halving (η = 3).
# The three larger sets score every 4th training sequence for the per-epoch train curve
# (--train-eval-every 4; the reported train NLL is still the whole set's).
# Results go to docs/results/full/<dataset>/ (each with its README: command, dates, run time).
#   scripts/full-grid.sh [step …]    steps: jsb jsb-halving nottingham musedata piano-midi nottingham-seeds
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${GATEDRNN_DATA:-../shared/data}"
E="${FULL_EPOCHS:-200}"
common=(--data "$DATA" --epochs "$E" --patience "$E" --lr-decay-epochs "$E" --clip-mode step --workers 2 --progress log)
run() { node bin/gatedrnn.js reproduce "${common[@]}" "$@"; }
big=(--schedule halving --train-eval-every 4 --out docs/results/full)
steps=("$@"); [ ${#steps[@]} -eq 0 ] && steps=(jsb jsb-halving nottingham musedata piano-midi nottingham-seeds)
for s in "${steps[@]}"; do
  case "$s" in
    jsb) run --dataset jsb --seeds 1,2,3 --out docs/results/full ;;
    jsb-halving) run --dataset jsb --schedule halving --out docs/results/full-halving ;;
    nottingham) run --dataset nottingham "${big[@]}" ;;
    musedata) run --dataset musedata "${big[@]}" ;;
    piano-midi) run --dataset piano-midi "${big[@]}" ;;
    nottingham-seeds) run --dataset nottingham "${big[@]}" --seeds 1,2,3 ;;
    *) echo "unknown step $s" >&2; exit 2 ;;
  esac
done
