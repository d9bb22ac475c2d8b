#!/usr/bin/env bash
# Successive halving against the full grid (issue 9): the Nottingham grid of docs/results/nottingham
# (10 draws × 3 units, at most 30 epochs) run again with --schedule halving into
# docs/results/halving/; compare the selected learning rates and the wall-clock.
set -euo pipefail
cd "$(dirname "$0")/.."
node bin/gatedrnn.js reproduce --dataset nottingham --data "${GATEDRNN_DATA:-../shared/data}" --epochs 30 --workers 2 \
  --schedule halving --progress log --out docs/results/halving
