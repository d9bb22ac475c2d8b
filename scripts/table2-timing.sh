#!/usr/bin/env bash
# The figure a researcher feels (issue 14): the whole of Table 2 — the four music sets and the
# speech stand-in, 10 learning-rate draws × 3 units each, one seed — timed end to end on this
# machine, with the settings the fidelity work chose (scripts/full-grid.sh: the released code's
# step clipping and schedule, 200 epochs, no patience, B = 1, weight noise 0.075; speech: its
# own defaults, B = 32, at most 5 epochs).
#   scripts/table2-timing.sh <configuration> [dataset …]
#     halving   successive halving (η = 3), 2 local worker threads
#     full      every trial to its epoch cap, 2 local worker threads
#     queue     successive halving on the job queue: a fresh redis-server on a free localhost
#               port, two `gatedrnn worker` processes (one trial each) and `reproduce --queue`
# Each data set runs on its own, one after the other, into
# docs/results/table2-timing/<configuration>/<dataset>/ (the usual README, trials and curves).
# Each finished set appends one JSON line to docs/results/table2-timing/<configuration>/timing.jsonl
# (start, end, wall seconds, summed trial seconds, commit, machine), so a session that ends
# mid-way keeps the sets already done; `node scripts/table2-timing.mjs` turns the lines into
# docs/results/table2-timing.md, which `npm run bench` reads for its target row.
# A set whose output folder already holds trials is refused: its time would not be end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
CONF="${1:?usage: scripts/table2-timing.sh halving|full|queue [dataset …]}"; shift
case "$CONF" in halving|full) SCHEDULE=$CONF ;; queue) SCHEDULE=halving ;; *) echo "configuration must be halving, full or queue, got $CONF" >&2; exit 2 ;; esac
# the data directory comes from the environment, so no machine's path lands in the results
export GATEDRNN_DATA="${GATEDRNN_DATA:-../shared/data}"
OUT="docs/results/table2-timing/$CONF"
sets=("$@"); [ ${#sets[@]} -eq 0 ] && sets=(jsb piano-midi musedata nottingham speech)
E=200
music=(--epochs "$E" --patience "$E" --lr-decay-epochs "$E" --clip-mode step --seeds 1)
mkdir -p "$OUT"
for s in "${sets[@]}"; do
  if [ -d "$OUT/$s/trials" ] && [ -n "$(ls -A "$OUT/$s/trials")" ]; then echo "$OUT/$s already holds trials; remove it to time $s again" >&2; exit 2; fi
done
QUEUE=()
if [ "$CONF" = queue ]; then
  command -v redis-server >/dev/null || { echo "the queue configuration needs redis-server" >&2; exit 2; }
  RUN="$(mktemp -d /tmp/gatedrnn-t2q.XXXXXX)"
  PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --pidfile "$RUN/redis.pid" >/dev/null
  WORKERS=()
  stop() { [ ${#WORKERS[@]} -gt 0 ] && kill -TERM "${WORKERS[@]}" 2>/dev/null; wait 2>/dev/null; kill "$(cat "$RUN/redis.pid")" 2>/dev/null || true; rm -rf "$RUN"; }
  trap stop EXIT
  sleep 0.5
  for w in 1 2; do node bin/gatedrnn.js worker --queue "redis://127.0.0.1:$PORT" --concurrency 1 >"$OUT/worker-$w.log" 2>&1 & WORKERS+=($!); done
  sleep 1
  QUEUE=(--queue "redis://127.0.0.1:$PORT")
fi
for s in "${sets[@]}"; do
  args=(reproduce --dataset "$s" --progress log --schedule "$SCHEDULE" --out "$OUT")
  if [ "$CONF" = queue ]; then args+=("${QUEUE[@]}"); else args+=(--workers 2); fi
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
