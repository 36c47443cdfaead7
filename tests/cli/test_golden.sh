#!/bin/bash
# test_golden.sh - hand-written messages with their expected language,
# label and flag (tests/golden/score.tsv), one TAP test per message.
. "$top_srcdir/tests/tap.sh"
CTL=${SENTIROUTECTL:-$top_builddir/tools/sentiroutectl}
G=$top_srcdir/tests/golden/score.tsv
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
grep -v '^#' "$G" | grep -v '^$' > "$T/cases"
cut -f4 "$T/cases" | "$CTL" score --lines > "$T/out"
$PY - "$T/cases" "$T/out" <<'PYEOF'
import json, sys
cases = [l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8")]
outs = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
print("1..%d" % len(cases))
bad = 0
for i, (c, o) in enumerate(zip(cases, outs), 1):
    lang, labels, flag, text = (c + ["", "", "", ""])[:4]
    why = []
    if lang and o["lang"] not in lang.split("|"):
        why.append("lang %s, want %s" % (o["lang"], lang))
    if labels and o["label"] not in labels.split("|"):
        why.append("label %s (%.1f), want %s" % (o["label"], o["score"], labels))
    if flag.startswith("!") and flag[1:] in o["flags"]:
        why.append("flags %s, want no %s" % (",".join(o["flags"]), flag[1:]))
    elif flag and not flag.startswith("!") and flag not in o["flags"]:
        why.append("flags %s, want %s" % (",".join(o["flags"]) or "-", flag))
    if why:
        bad += 1
        print("not ok %d - %s" % (i, text[:70]))
        print("# " + "; ".join(why))
    else:
        print("ok %d - %s" % (i, text[:70]))
if len(outs) != len(cases):
    print("not ok %d - %d results for %d cases" % (len(cases) + 1, len(outs), len(cases)))
    bad += 1
sys.exit(1 if bad else 0)
PYEOF
