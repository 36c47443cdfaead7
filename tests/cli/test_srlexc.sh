#!/bin/bash
# test_srlexc.sh - the lexicon compiler refuses what it cannot encode and
# keeps a first/second-person mark across a later line for the same term,
# and a mark given alone on a stem's line; English n't and French elisions
# have a spelling without the apostrophe; ask (a question for information)
# takes no argument of its own and survives a later line; a lexicon of more
# than 65,535 entries compiles and finds every word
. "$top_srcdir/tests/tap.sh"
LEXC=$top_builddir/tools/srlexc
CTL=$top_builddir/tools/sentiroutectl
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
tap_plan 26

# lex NAME LANG DESCRIPTION - compile $T/NAME.tsv for LANG (a test that it
# compiles) and write $T/NAME.conf that scores with it
lex() {
    "$LEXC" -o "$T/$1.lex" "$2:$T/$1.tsv" 2>"$T/err"
    tap_is "$3" "$?" 0
    printf 'scoring = { lexicon = "%s"; languages = ["%s"]; };\n' "$T/$1.lex" "$2" > "$T/$1.conf"
}

# scores NAME TEXT DESCRIPTION COND - a test that TEXT, scored with lexicon
# NAME, gives JSON d (score, cues) for which the Python expression COND holds
scores() {
    local out
    out=$("$CTL" -c "$T/$1.conf" score "$2" 2>&1)
    tap_ok "$3" python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(not eval(sys.argv[2]))' \
        "$out" "$4"
}

printf 'now\t-0.5\tshout\n' > "$T/a.tsv"
"$LEXC" -o "$T/a.lex" "en:$T/a.tsv" 2>"$T/err"; rc=$?
tap_ok "shout without urgent is refused (exit $rc)" test "$rc" -ne 0 -a ! -e "$T/a.lex"
tap_ok "the error names the line" grep -q "a.tsv:1: shout needs urgent" "$T/err"

printf 'not\t-\tneg=2,urgent,shout\n' > "$T/b.tsv"
"$LEXC" -o "$T/b.lex" "en:$T/b.tsv" 2>"$T/err"; rc=$?
tap_ok "shout with a negator's reach is refused (exit $rc)" test "$rc" -ne 0

# "my - person" first, then a full line for "my": the mark stays, so the
# urgency below is the writer's own (a report would drop urgent_cue)
printf 'my\t-\tperson\nmy\t-\tfunc\nurgently\t-1.0\turgent\norder\t-\tfunc\nthe\t-\tfunc\n' > "$T/c.tsv"
lex c en "a lexicon with person, then a full line, compiles"
out=$("$CTL" -c "$T/c.conf" score "Send my order urgently" 2>&1)
tap_ok "the person mark survived the later line (urgent_cue kept)" \
    grep -q urgent_cue <<< "$out"

# a mark alone on a stem's line ("abzock* - sep") adds the mark and keeps
# the stem's valence (it used to replace the record by a function word)
printf 'abzock*\t-2.9\nabzock*\t-\tsep\nab\t-\tfunc,sep\ndie\t-\tfunc\nzocken\t-\tfunc\neinen\t-\tfunc\nnur\t-\tfunc\n' > "$T/d.tsv"
lex d de "a lexicon with a mark on a stem compiles"
scores d "Abzockerei. Die zocken einen nur ab." "the stem keeps its valence and splits around its clause" \
    '{"Abzockerei", "zocken einen nur ab"} <= {x["text"] for x in d["cues"]}'

# English n't also matches without its apostrophe ("cant log in"); a term
# listed in that spelling keeps its own record
printf "can't log in\t-1.8\nwon't\t-\tneg\nwont\t0.5\ni\t-\tfunc\nit\t-\tfunc\n" > "$T/e.tsv"
lex e en "a lexicon with n't terms compiles"
scores e "i cant log in" "\"cant log in\" is the phrase \"can't log in\"" \
    'd["score"] < 4 and d["cues"][0]["text"] == "cant log in"'
scores e "it wont" "a term listed without the apostrophe keeps its record" \
    'd["score"] > 5 and d["cues"][0]["text"] == "wont"'
scores e "i cannt log in" "other spellings are no variant" \
    'd["score"] == 5'

# a French elision written without its apostrophe joins the next word
# ("nimporte quoi"); an English n't rule does not apply to French
printf "n'importe quoi\t-2.3\nc'est\t-\tfunc\nce\t-\tfunc\nservice\t-\tfunc\n" > "$T/f.tsv"
lex f fr "a lexicon with French elisions compiles"
scores f "cest nimporte quoi ce service" "\"nimporte quoi\" is the phrase \"n'importe quoi\"" \
    'd["score"] < 4 and d["cues"][0]["text"] == "nimporte quoi"'
scores f "n importe quoi" "the elision split by a space is no variant" \
    'd["score"] == 5'

# num marks a number word for "00" in phrases; on a term listed before it
# adds the mark and keeps the record
printf "warte seit 00 wochen\t-1.8\turgent\ndrei\t0.4\ndrei\t-\tfunc,num\nich\t-\tfunc\n" > "$T/g.tsv"
lex g de "a lexicon with a number word compiles"
scores g "ich warte seit drei wochen" "\"drei\" stands for 00 in \"warte seit 00 wochen\"" \
    'd["score"] < 4 and d["cues"][0]["text"] == "warte seit drei wochen"'
scores g "drei" "the number word keeps its record" \
    'd["score"] > 5'
# ask: the why mark with an argument of its own, so a negator's reach is
# refused; given before a full line for the same term it survives, and a
# problem word in the question it opens is the question's topic
printf 'how\t-\tneg=2,ask\n' > "$T/h0.tsv"
"$LEXC" -o "$T/h0.lex" "en:$T/h0.tsv" 2>"$T/err"; rc=$?
tap_ok "ask with a negator's reach is refused (exit $rc)" grep -q "h0.tsv:1: ask takes no neg" "$T/err"
printf 'how\t-\task\nhow\t-\tfunc\nwhy\t-\twhy\nbroken\t-2.3\nis\t-\tfunc\nmy\t-\tfunc\n' > "$T/h.tsv"
lex h en "a lexicon with ask, then a full line, compiles"
scores h "How is my item broken?" "a question asking for information names a problem: neutral" \
    '4 <= d["score"] <= 6'
scores h "Why is my item broken?" "a why-question complains" 'd["score"] < 4'
scores h "How is my item broken." "no question, no topic" 'd["score"] < 4'
# more entries than 16 bits can index (format 10 held 65,535): 70,000
# generated words, praise and blame by turns; every one is found with its
# valence, and a word that is not listed is not
python3 - "$T/big.tsv" "$T/big.txt" <<'PY'
import sys
words = []
for i in range(70000):
    w, n = "", i
    for _ in range(4):
        w, n = chr(97 + n % 26) + w, n // 26
    words.append("zq" + w)
with open(sys.argv[1], "w") as f:
    for i, w in enumerate(words):
        f.write("%s\t%s\n" % (w, "2.0" if i % 2 == 0 else "-2.0"))
with open(sys.argv[2], "w") as f:
    f.write("\n".join(words + ["zqzzzz"]) + "\n")
PY
lex big en "a lexicon of 70,000 words compiles"
tap_ok "srlexc wrote them all" grep -q "big.lex: 70000 entries" "$T/err"
"$CTL" -c "$T/big.conf" score --lines < "$T/big.txt" > "$T/big.out" 2>&1
tap_ok "every word of the 70,000 is found with its valence" python3 -c '
import json, sys
words = open(sys.argv[1]).read().split()
outs = [json.loads(l) for l in open(sys.argv[2])]
assert len(outs) == len(words), (len(outs), len(words))
bad = [w for i, (w, d) in enumerate(zip(words[:-1], outs))
       if [c["text"] for c in d["cues"]] != [w] or (d["score"] > 5) != (i % 2 == 0)]
assert not bad, "%d not found right, first %s" % (len(bad), bad[:5])
' "$T/big.txt" "$T/big.out"
tap_ok "a word not listed is not found" python3 -c '
import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
sys.exit(not (d["cues"] == [] and d["score"] == 5))' "$T/big.out"
tap_done
