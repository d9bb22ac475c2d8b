#!/usr/bin/env bash
# The figure a researcher feels (issue 14): the whole of Table 2 — the four music sets and the
# speech stand-in, 10 learning-rate draws × 3 units each, one seed — timed end to end on this
# machine, with the settings the fidelity work chose (scripts/full-grid.sh: the released code's
# step clipping and schedule, 200 epochs, no patience, B = 1, weight noise 0.075; speech: its
# own defaults, B = 32, at most 5 epochs).
#   scripts/table2-timing.sh <schedule> [dataset …]    schedule: halving | full
# Each data set runs on its own, one after the other, with 2 worker threads, into
# docs/results/table2-timing/<schedule>/<dataset>/ (the usual README, trials and curves).
# Each finished set appends one JSON line to docs/results/table2-timing/<schedule>/timing.jsonl
# (start, end, wall seconds, summed trial seconds), so a session that ends mid-way keeps the sets
# already done; `node scripts/table2-timing.mjs` turns the lines into
# docs/results/table2-timing.md, which `npm run bench` reads for its target row.
# A set whose output folder already holds trials is refused: its time would not be end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEDULE="${1:?usage: scripts/table2-timing.sh halving|full [dataset …]}"; shift
case "$SCHEDULE" in halving|full) ;; *) echo "schedule must be halving or full, got $SCHEDULE" >&2; exit 2 ;; esac
# the data directory comes from the environment, so no machine's path lands in the results
export GATEDRNN_DATA="${GATEDRNN_DATA:-../shared/data}"
OUT="docs/results/table2-timing/$SCHEDULE"
sets=("$@"); [ ${#sets[@]} -eq 0 ] && sets=(jsb piano-midi musedata nottingham speech)
E=200
music=(--epochs "$E" --patience "$E" --lr-decay-epochs "$E" --clip-mode step --seeds 1)
mkdir -p "$OUT"
for s in "${sets[@]}"; do
  if [ -d "$OUT/$s/trials" ] && [ -n "$(ls -A "$OUT/$s/trials")" ]; then echo "$OUT/$s already holds trials; remove it to time $s again" >&2; exit 2; fi
done
for s in "${sets[@]}"; do
  args=(reproduce --dataset "$s" --workers 2 --progress log --schedule "$SCHEDULE" --out "$OUT")
  case "$s" in
    jsb) args+=("${music[@]}") ;;
    piano-midi|musedata|nottingham) args+=("${music[@]}" --train-eval-every 4) ;;
    speech) args+=(--seeds 1) ;;
    *) echo "unknown data set $s" >&2; exit 2 ;;
  esac
  t0=$(date +%s.%N); start=$(date -u +%FT%TZ)
  node bin/gatedrnn.js "${args[@]}" >"$OUT/$s.log" 2>&1
  t1=$(date +%s.%N); end=$(date -u +%FT%TZ)
  node -e '
    const fs = require("fs"), path = require("path");
    const [out, set, start, end, t0, t1, cmd, commit] = process.argv.slice(1);
    const cpu = require("os").cpus(), machine = `${cpu.length} × ${cpu[0].model.trim()}, Node ${process.versions.node}`;
    const dir = path.join(out, set, "trials");
    let trialSeconds = 0, trials = 0;
    for (const f of fs.readdirSync(dir)) { const r = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")); trialSeconds += r.seconds ?? 0; trials++; }
    fs.appendFileSync(path.join(out, "timing.jsonl"), JSON.stringify({ dataset: set, start, end, wallSeconds: +(t1 - t0).toFixed(1), trialSeconds: +trialSeconds.toFixed(1), trialFiles: trials, command: cmd, commit, machine }) + "\n");
  ' "$OUT" "$s" "$start" "$end" "$t0" "$t1" "gatedrnn ${args[*]}" "$(git rev-parse --short HEAD)"
  echo "$s: $(echo "$t1 - $t0" | bc) s"
done
