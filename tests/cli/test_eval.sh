#!/bin/bash
# test_eval.sh - the accuracy regression test: run `sentiroutectl eval` on
# the development corpora and fail when a figure drops below its floor in
# tests/eval-thresholds.txt.  The corpora live in $SHARED_DIR/data/sentiment
# (CI puts ../shared beside the clone); missing data is a failure.
. "$top_srcdir/tests/tap.sh"
CTL=${SENTIROUTECTL:-$top_builddir/tools/sentiroutectl}
DATA=${SHARED_DIR:-$top_srcdir/../shared}/data/sentiment
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

mapfile -t rows < <(grep -v '^#' "$top_srcdir/tests/eval-thresholds.txt" | grep -v '^[[:space:]]*$')
tap_plan $(( ${#rows[@]} + 1 ))
files=$(for r in "${rows[@]}"; do echo "$r" | awk '{print $1}'; done | sort -u)
ok=1
for f in $files; do [ -f "$DATA/$f" ] || ok=0; done
if [ $ok = 0 ]; then
    tap_fail "development corpora present in $DATA"
    for r in "${rows[@]}"; do tap_fail "$r (no data)"; done
    tap_done
fi
"$CTL" eval --json $(for f in $files; do echo "$DATA/$f"; done) > "$T/eval.json" 2>"$T/err"
tap_is "eval runs on $(echo $files | wc -w) corpora" "$?" 0
for r in "${rows[@]}"; do
    read -r file metric floor <<< "$r"
    got=$($PY -c '
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d["file"].endswith("/" + sys.argv[2]):
        print("%.4f" % d[sys.argv[3]])
' "$T/eval.json" "$file" "$metric")
    if [ -n "$got" ] && $PY -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)' "$got" "$floor"; then
        tap_pass "$file $metric $got >= $floor"
    else
        tap_fail "$file $metric ${got:-missing} >= $floor"
    fi
done
tap_done
