#!/bin/bash
# test_ctl.sh - sentiroutectl score/configtest from the outside: exit codes,
# JSON on any input, streaming with flat memory, bounded time.
. "$top_srcdir/tests/tap.sh"
CTL=${SENTIROUTECTL:-$top_builddir/tools/sentiroutectl}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

tap_plan 24

# usage errors exit 2 with a message
"$CTL" >/dev/null 2>"$T/err"; tap_is "no command exits 2" "$?" 2
"$CTL" frobnicate >/dev/null 2>"$T/err"; rc=$?
tap_is "unknown command exits 2" "$rc" 2
tap_ok "unknown command is named" grep -q "unknown command 'frobnicate'" "$T/err"
"$CTL" score --format xml x >/dev/null 2>&1; tap_is "bad format exits 2" "$?" 2
"$CTL" score --lines extra-arg >/dev/null 2>&1; tap_is "--lines with arguments exits 2" "$?" 2
"$CTL" --bogus >/dev/null 2>&1; tap_is "bad global option exits 2" "$?" 2

# one JSON object with the documented fields
out=$("$CTL" score "Thank you, the support was excellent!")
echo "$out" | $PY -c '
import json, sys
d = json.load(sys.stdin)
assert set(["score","label","flags","lang","cues"]) <= set(d), d
assert d["label"] in ("positive","promoter") and d["lang"] == "en", d
assert d["score"] > 6 and any(c["text"] == "excellent" for c in d["cues"]), d
' 2>"$T/err"; tap_is "score prints a JSON object with score, label, flags, lang, cues" "$?" 0

echo "Das ist eine Frechheit!" | "$CTL" score > "$T/o" 2>&1
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["lang"]=="de" and d["score"]<4, d' "$T/o"
tap_is "score reads standard input" "$?" 0

"$CTL" score < /dev/null > "$T/o"; rc=$?
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["score"]==5.0 and d["label"]=="neutral", d' "$T/o"
tap_is "empty input is neutral 5.0" "$rc$?" 00

head -c 1000000 /dev/urandom > "$T/random"
timeout 20 "$CTL" score < "$T/random" > "$T/o"; rc=$?
$PY -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$T/o"
tap_is "random bytes: exit 0 and valid UTF-8 JSON" "$rc$?" 00

printf 'great \xff\xfe\xc3\x28 service\n' | "$CTL" score > "$T/o"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1], encoding="utf-8")); assert "repaired" in d["flags"], d' "$T/o"
tap_is "invalid UTF-8 is repaired and flagged" "$?" 0

# --lines: one object per line, in order, streaming
printf 'I love it\nI hate it\n\nno newline at end' | "$CTL" score --lines > "$T/o"
$PY - "$T/o" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 4, len(rows)
assert rows[0]["score"] > 5 > rows[1]["score"], rows
assert rows[2]["score"] == 5.0
PYEOF
tap_is "--lines prints one object per input line" "$?" 0

# a 50 MB line and 200,000 short lines: bounded time, flat memory.  The
# inputs are written first, so that the measuring process stays small (a
# child's max RSS includes the parent it was forked from).
$PY -c '
import sys
t = sys.argv[1]
open(t + "/big", "wb").write((b"terrible service " * 3200000)[:50 * 1024 * 1024] + b"\nfine\n")
open(t + "/many", "wb").write(b"".join(b"line %d is good or bad\n" % i for i in range(200000)))
' "$T"
measure() {  # measure INPUT OUTPUT -> "rc seconds maxrss_kib"
  $PY -c '
import resource, subprocess, sys, time
t0 = time.time()
with open(sys.argv[2], "rb") as i, open(sys.argv[3], "wb") as o:
    rc = subprocess.run([sys.argv[1], "score", "--lines"], stdin=i, stdout=o, timeout=60).returncode
print(rc, "%.2f" % (time.time() - t0), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
' "$CTL" "$1" "$2"
}
read rc secs rss <<< "$(measure "$T/big" "$T/o")"
n=$(wc -l < "$T/o")
ok=0; [ "$rc" = 0 ] && [ "$n" = 2 ] && grep -q truncated "$T/o" && [ "$rss" -lt 65536 ] && ok=1
tap_is "a 50 MB line: exit 0, 2 results, ${secs}s, max RSS ${rss} KiB < 64 MiB" "$ok" 1
read rc secs rss <<< "$(measure "$T/many" "$T/o")"
n=$(wc -l < "$T/o")
ok=0; [ "$rc" = 0 ] && [ "$n" = 200000 ] && [ "$rss" -lt 65536 ] && ok=1
tap_is "200,000 lines streamed: ${secs}s, max RSS ${rss} KiB < 64 MiB" "$ok" 1

head -c 2000000 /dev/urandom > "$T/random2"
timeout 30 "$CTL" score --lines < "$T/random2" > "$T/o"; rc=$?
$PY -c '
import json,sys
n=0
for l in open(sys.argv[1], encoding="utf-8"):
    json.loads(l); n+=1
assert n > 0
' "$T/o"
tap_is "--lines on random bytes: every line valid JSON" "$rc$?" 00

# --files with --sort and the table
printf 'I love this shop, best ever, I will tell my friends!' > "$T/a.txt"
printf 'Third time I write. Refund me now or I call my lawyer!' > "$T/b.txt"
printf 'Where is my parcel?' > "$T/c.txt"
"$CTL" score --files --sort "$T/a.txt" "$T/b.txt" "$T/c.txt" > "$T/o"
$PY -c '
import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
assert [r["file"].rsplit("/",1)[1] for r in rows] == ["b.txt","c.txt","a.txt"], rows
assert rows[0]["label"] == "urgent" and rows[2]["label"] == "promoter", rows
' "$T/o"
tap_is "--files --sort orders by score, angriest first" "$?" 0
"$CTL" score --files --format table "$T/a.txt" > "$T/o"
tap_ok "--format table shows label and cues" grep -q "promoter.*a.txt" "$T/o"
"$CTL" score --format table "Great, another delay." > "$T/o"
tap_ok "--format table names a cue's modifiers (irony)" grep -q "Great (word: irony)" "$T/o"
"$CTL" score --files "$T/missing.txt" > /dev/null 2>"$T/err"; rc=$?
tap_is "a missing file is an error (exit 1)" "$rc" 1

# configtest
"$CTL" -c "$top_srcdir/config/sentiroute.conf" configtest 2>"$T/err"
tap_is "the sample config passes configtest" "$?" 0
printf 'scoring = {\n  max_cues = 4;\n  colour = "red";\n};\n' > "$T/bad.conf"
"$CTL" -c "$T/bad.conf" configtest 2>"$T/err"; rc=$?
tap_is "a bad config exits 78 (EX_CONFIG)" "$rc" 78
tap_ok "the error names file, line and key" grep -q "bad.conf:3: scoring.colour" "$T/err"
"$CTL" -c "$T/nonexistent.conf" score hi >/dev/null 2>"$T/err"; tap_is "a missing config exits 78" "$?" 78
"$CTL" configtest --dump > "$T/dump.conf" 2>/dev/null
"$CTL" -c "$T/dump.conf" configtest 2>/dev/null
tap_is "configtest --dump output loads again" "$?" 0
tap_done
