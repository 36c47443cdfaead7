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
# the machine may be shared: engines take turns, BENCH_ROUNDS times (default
# 3), and every figure below is the median over the rounds; a ratio is the
# median of the per-round ratios (each measured minutes apart at most)
rounds=${BENCH_ROUNDS:-3}
echo "# $(nproc) cores; each engine runs single-threaded on core 0; $rounds rounds, engines in turn;"
echo "# per round a figure is the median of whole passes over the file"
for r in $(seq "$rounds"); do
    taskset -c 0 "$top_builddir/tests/bench/bench_score" "${files[@]}" | sed "s/^{/{\"round\":$r,/" >> "$out"
    NODE_PATH="$peers/node_modules" taskset -c 0 node "$top_srcdir/tests/bench/peers.js" "${files[@]}" |
        sed "s/^{/{\"round\":$r,/" >> "$out"
    echo "# round $r of $rounds done"
done
python3 - "$out" <<'PYEOF'
import json, sys, os, statistics
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def key(r):
    return ("sentiroute 4KiB" if r.get("shape") == "email-4k" else
            "sentiroute" if r.get("engine") == "sentiroute" else r.get("peer"))
per = {}   # (file, engine) -> {round: row}
for r in rows:
    if "file" in r:
        per.setdefault((r["file"], key(r)), {})[r["round"]] = r
files = sorted({f for f, _ in per})
print("\n%-22s %-16s %12s %9s %9s %s" % ("file", "engine", "docs/s", "MB/s", "ratio", "ratio per round"))
for f in files:
    name = "/".join(f.split("/")[-2:])
    o = per.get((f, "sentiroute"), {})
    med = lambda d, k: statistics.median(x[k] for x in d.values())
    print("%-22s %-16s %12.0f %9.1f %9s" % (name, "sentiroute", med(o, "docs_per_sec"), med(o, "mb_per_sec"), "1.0"))
    for (pf, eng), d in sorted(per.items()):
        if pf != f or eng in ("sentiroute", "sentiroute 4KiB"):
            continue
        rr = [o[k]["docs_per_sec"] / d[k]["docs_per_sec"] for k in sorted(d) if k in o]
        print("%-22s %-16s %12.0f %9.1f %8.1fx %s" % (name, eng, med(d, "docs_per_sec"), med(d, "mb_per_sec"),
              statistics.median(rr), " ".join("%.1f" % x for x in rr)))
    e = per.get((f, "sentiroute 4KiB"))
    if e:
        print("%-22s %-16s %12.0f %9.1f" % (name, "sentiroute 4KiB", med(e, "docs_per_sec"), med(e, "mb_per_sec")))
rss = [r["max_rss_kib"] for r in rows if "max_rss_kib" in r]
if rss:
    print("\nsentiroute max RSS: %.1f MiB (all five languages loaded; largest of the rounds)" % (max(rss) / 1024))
allocs = sum(r.get("allocations", 0) for r in rows if r.get("engine") == "sentiroute")
print("sentiroute heap allocations while scoring: %d" % allocs)
PYEOF
