#!/usr/bin/env bash
# Wall-clock of one small real grid — JSB, 3 units × 4 learning-rate draws, the paper's settings
# capped at --epochs (default 5) — run four ways on this machine:
#   local, --workers 1 (one thread)        local, --workers 2 (two threads)
#   --queue with 1 worker process          --queue with 2 worker processes
# Each queued run has its own redis-server on a free port and a fresh output folder; the
# coordinator is `gatedrnn reproduce … --queue`, the workers `gatedrnn worker --queue …`.
# Appends a table to docs/results/queue-scaling.md. Needs `npm run build` and GATEDRNN_DATA.
#   scripts/queue-scaling.sh [epochs]
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS="${1:-5}"
: "${GATEDRNN_DATA:?set GATEDRNN_DATA to the folder holding jsb-chorales.json.gz}"
OUT="$(mktemp -d /tmp/gatedrnn-scaling.XXXXXX)"
GRID=(reproduce --dataset jsb --trials 4 --epochs "$EPOCHS" --progress none)
PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --pidfile "$OUT/redis.pid" >/dev/null
trap 'kill $(cat "$OUT/redis.pid") 2>/dev/null || true; pkill -f "gatedrnn.js worker --queue redis://127.0.0.1:$PORT" || true' EXIT
sleep 0.5
now() { date +%s.%N; }
declare -A SECONDS_OF

run_local() { # threads
  local t0; t0=$(now)
  node bin/gatedrnn.js "${GRID[@]}" --workers "$1" --out "$OUT/local-$1" >/dev/null
  SECONDS_OF["local $1"]=$(echo "$(now) - $t0" | bc)
}

run_queue() { # worker processes
  redis-cli -p "$PORT" flushall >/dev/null
  local pids=() t0
  for _ in $(seq "$1"); do node bin/gatedrnn.js worker --queue "redis://127.0.0.1:$PORT" >"$OUT/worker-$1-$_.log" 2>&1 & pids+=($!); done
  sleep 1
  t0=$(now)
  node bin/gatedrnn.js "${GRID[@]}" --queue "redis://127.0.0.1:$PORT" --out "$OUT/queue-$1" >/dev/null
  SECONDS_OF["queue $1"]=$(echo "$(now) - $t0" | bc)
  kill -TERM "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
}

run_local 1; run_local 2; run_queue 1; run_queue 2
# the queued results equal the local ones (clocks aside)
node -e '
const fs = require("fs"), path = require("path");
const strip = (f) => { const r = JSON.parse(fs.readFileSync(f, "utf8")); for (const k of ["seconds","startedAt","finishedAt","resumedAfterEpoch"]) delete r[k]; for (const h of r.history) { delete h.trainSeconds; delete h.elapsed; delete h.trainSecondsTotal; } return JSON.stringify(r); };
const [a, b] = process.argv.slice(1);
for (const f of fs.readdirSync(path.join(a, "jsb/trials"))) if (strip(path.join(a, "jsb/trials", f)) !== strip(path.join(b, "jsb/trials", f))) { console.error("differs: " + f); process.exit(1); }
console.log("queued trial results equal the local ones");
' "$OUT/local-1" "$OUT/queue-2"

L1=${SECONDS_OF["local 1"]}; L2=${SECONDS_OF["local 2"]}; Q1=${SECONDS_OF["queue 1"]}; Q2=${SECONDS_OF["queue 2"]}
{
  echo
  echo "## $(date -u +%Y-%m-%d\ %H:%M) UTC — JSB, 3 units × 4 draws, $EPOCHS epochs each ($(nproc) cores, $(node -p 'require("os").cpus()[0].model'))"
  echo
  echo "\`scripts/queue-scaling.sh $EPOCHS\`"
  echo
  echo "| run | wall-clock | speed-up over one |"
  echo "|---|---|---|"
  printf '| local, 1 thread | %.1f s | 1.00× |\n' "$L1"
  printf '| local, 2 threads | %.1f s | %.2f× |\n' "$L2" "$(echo "$L1 / $L2" | bc -l)"
  printf '| queue, 1 worker process | %.1f s | 1.00× (%.2f× the local thread) |\n' "$Q1" "$(echo "$L1 / $Q1" | bc -l)"
  printf '| queue, 2 worker processes | %.1f s | %.2f× |\n' "$Q2" "$(echo "$Q1 / $Q2" | bc -l)"
} | tee -a docs/results/queue-scaling.md
