#!/usr/bin/env bash
# A/B of whole Table 2 trials between two checkouts (bench/ab.mjs times single updates; this
# times what a grid runs: data loading aside, every epoch's updates, evaluations and curves).
# One music set (JSB unless named), the three units, one learning-rate draw each, a few epochs,
# one thread, the Table 2 settings (B = 1, weight noise, step clipping); the two checkouts
# alternate round by round so that a drifting machine hits both alike. Prints each round's summed trial seconds, the
# ratio a/b, and whether both produced the same validation and test NLLs (they should, bit for
# bit, unless the change is meant to alter results).
#   bench/ab-trials.sh <checkout a> [checkout b (default .)] [rounds (5)] [epochs (8)] [set (jsb)]
# Both checkouts need `npm run build`; the data comes from GATEDRNN_DATA (default ../shared/data).
set -euo pipefail
A="$(cd "${1:?usage: bench/ab-trials.sh <checkout a> [checkout b] [rounds] [epochs] [set]}" && pwd)"
B="$(cd "${2:-.}" && pwd)"; ROUNDS="${3:-5}"; EPOCHS="${4:-8}"; SET="${5:-jsb}"
export GATEDRNN_DATA="$(cd "${GATEDRNN_DATA:-$(dirname "$0")/../../shared/data}" && pwd)"
OUT="$(mktemp -d)"; trap 'rm -rf "$OUT"' EXIT
echo "a = $A"; echo "b = $B"; echo "$SET, 3 units × 1 draw, $EPOCHS epochs, B = 1, clip mode step, one thread, $ROUNDS rounds"
for i in $(seq 1 "$ROUNDS"); do
  for v in a b; do
    dir="$A"; [ "$v" = b ] && dir="$B"
    (cd "$dir" && node bin/gatedrnn.js reproduce --dataset "$SET" --trials 1 --epochs "$EPOCHS" --patience "$EPOCHS" \
      --lr-decay-epochs 200 --clip-mode step --workers 0 --progress none --out "$OUT/$v-$i" >/dev/null)
  done
done
node -e '
  const fs = require("fs"), path = require("path");
  const [out, rounds, set] = process.argv.slice(1);
  const read = (v, i) => { const d = path.join(out, `${v}-${i}`, set, "trials"); return fs.readdirSync(d).sort().map((f) => JSON.parse(fs.readFileSync(path.join(d, f), "utf8"))); };
  const sum = (t) => t.reduce((s, r) => s + r.seconds, 0);
  console.log("| round | a s | b s | a / b |\n|---|---|---|---|");
  let ta = 0, tb = 0, same = true;
  const ratios = [];
  for (let i = 1; i <= +rounds; i++) {
    const a = read("a", i), b = read("b", i);
    same &&= a.length === b.length && a.every((r, k) => r.bestValidNll === b[k].bestValidNll && r.testNll === b[k].testNll);
    ta += sum(a); tb += sum(b); ratios.push(sum(a) / sum(b));
    console.log(`| ${i} | ${sum(a).toFixed(2)} | ${sum(b).toFixed(2)} | ${(sum(a) / sum(b)).toFixed(3)} |`);
  }
  const med = [...ratios].sort((x, y) => x - y)[Math.floor(ratios.length / 2)];
  console.log(`| all | ${ta.toFixed(2)} | ${tb.toFixed(2)} | **${(ta / tb).toFixed(3)}** (median of the rounds ${med.toFixed(3)}) |`);
  console.log(same ? "\nvalidation and test NLLs: the same in every round, bit for bit" : "\nvalidation and test NLLs differ between a and b");
' "$OUT" "$ROUNDS" "$SET"
