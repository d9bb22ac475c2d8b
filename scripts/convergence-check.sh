#!/usr/bin/env bash
# Is the full protocol's 200-epoch schedule converged? The learning-rate draws the Nottingham full
# grid selected (tanh draw 5, GRU draw 4, LSTM draw 6), run again with the released code's own
# 500 epochs (decay to 1 % over 500, no early stopping), into docs/results/convergence/; compare
# their test NLL with docs/results/full/nottingham. Three single trials of 500 epochs, one after another: about 40 min on an idle core.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${GATEDRNN_DATA:-../shared/data}"
for u in tanh:5 gru:4 lstm:6; do
  node bin/gatedrnn.js reproduce --dataset nottingham --data "$DATA" --units "${u%%:*}" --only-trials "${u##*:}" \
    --epochs 500 --patience 500 --lr-decay-epochs 500 --clip-mode step --train-eval-every 4 --workers 1 --progress log \
    --out docs/results/convergence
done
