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
tap_plan $(( ${#rows[@]} + 3 ))
files=$(for r in "${rows[@]}"; do echo "$r" | awk '{print $1}'; done | sort -u)
# a file under tests/ is the project's own (tests/handwritten), the rest
# the shared corpora
where() { case $1 in tests/*) echo "$top_srcdir/$1" ;; *) echo "$DATA/$1" ;; esac; }
ok=1
for f in $files; do [ -f "$(where "$f")" ] || ok=0; done
if [ $ok = 0 ]; then
    tap_fail "development corpora present in $DATA"
    for r in "${rows[@]}"; do tap_fail "$r (no data)"; done
    tap_done
fi
"$CTL" eval --json $(for f in $files; do where "$f"; done) > "$T/eval.json" 2>"$T/err"
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

# JSON lines: texts with line breaks; a line that is not {"gold", "text"}
# is an error with its line number
printf '%s\n' '{"gold": "neg", "text": "My parcel is lost.\nRegards,\nJoy"}' \
    '{"gold": "pos", "text": "Great service, thank you!"}' > "$T/ok.jsonl"
printf '%s\n' '{"gold": 0, "text": "Broken on arrival."}' \
    '{"gold": 1, "text": "Works perfectly."}' > "$T/num.jsonl"
out=$("$CTL" eval --json "$T/ok.jsonl" "$T/num.jsonl" 2>&1); rc=$?
tap_is "eval reads JSON lines (labels, and numbers as gold)" \
    "$rc:$(echo "$out" | $PY -c 'import json,sys; print(",".join("%d/%.2f" % (json.loads(l)["documents"], json.loads(l)["binary_acc"]) for l in sys.stdin))')" "0:2/1.00,2/1.00"
printf '%s\n' '{"gold": "neg", "text": "fine"}' '{"gold": "neg"}' > "$T/bad.jsonl"
out=$("$CTL" eval "$T/bad.jsonl" 2>&1); rc=$?
tap_is "a JSON line without text is refused with its line number" \
    "$([ $rc -ne 0 ] && echo fail):$(echo "$out" | grep -c 'bad.jsonl:2:')" "fail:1"
tap_done
