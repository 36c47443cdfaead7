#!/bin/bash
# bench_score.sh - sentiroute vs the npm peers (vader-sentiment,
# wink-sentiment, sentiment) on the same corpora in one run, one core each.
# Prints documents/s, MB/s and the ratios.  Run by `make bench`.
#   SHARED_DIR (default ../shared) holds data/sentiment/*/*.tsv
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
shared=${SHARED_DIR:-$top_srcdir/../shared}
files=("$shared"/data/sentiment/*/*.tsv)
peers=${BENCH_PEERS_DIR:-$top_builddir/tests/bench/peers}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

if [ ! -d "$peers/node_modules/wink-sentiment" ] || [ ! -d "$peers/node_modules/vader-sentiment" ] ||
   [ ! -d "$peers/node_modules/sentiment" ]; then
    mkdir -p "$peers"
    cp "$top_srcdir/tests/bench/package.json" "$peers/"
    (cd "$peers" && npm install --no-audit --no-fund --silent >/dev/null)
fi
echo "# $(nproc) cores; each engine runs single-threaded; figures are medians of whole passes"
taskset -c 0 "$top_builddir/tests/bench/bench_score" "${files[@]}" | tee -a "$out"
NODE_PATH="$peers/node_modules" taskset -c 0 node "$top_srcdir/tests/bench/peers.js" "${files[@]}" | tee -a "$out"
python3 - "$out" <<'PYEOF'
import json, sys, os
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
ours = {r["file"]: r for r in rows if r.get("engine") == "sentiroute" and "file" in r and "shape" not in r}
email = {r["file"]: r for r in rows if r.get("shape") == "email-4k"}
peers = [r for r in rows if "peer" in r]
print("\n%-22s %-16s %12s %9s %9s" % ("file", "engine", "docs/s", "MB/s", "ratio"))
for f, o in ours.items():
    name = "/".join(f.split("/")[-2:])
    print("%-22s %-16s %12.0f %9.1f %9s" % (name, "sentiroute", o["docs_per_sec"], o["mb_per_sec"], "1.0"))
    for p in peers:
        if p["file"] == f:
            print("%-22s %-16s %12.0f %9.1f %8.1fx" % (name, p["peer"], p["docs_per_sec"], p["mb_per_sec"],
                  o["docs_per_sec"] / p["docs_per_sec"]))
    e = email.get(f)
    if e:
        print("%-22s %-16s %12.0f %9.1f" % (name, "sentiroute 4KiB", e["docs_per_sec"], e["mb_per_sec"]))
for r in rows:
    if "max_rss_kib" in r:
        print("\nsentiroute max RSS: %.1f MiB (all five languages loaded)" % (r["max_rss_kib"] / 1024))
allocs = sum(r.get("allocations", 0) for r in rows if r.get("engine") == "sentiroute")
print("sentiroute heap allocations while scoring: %d" % allocs)
PYEOF
