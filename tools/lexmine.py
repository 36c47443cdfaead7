#!/usr/bin/env python3
"""lexmine.py - derive a valence list from a labelled corpus whose licence
allows shipping what is derived from it (CC BY, CC0), and measure, by
cross-validation, how much it adds on documents it did not see.

    tools/lexmine.py mine  --lang fr CORPUS.tsv > lexicon/fr-reviews.tsv
    tools/lexmine.py cv    --lang fr CORPUS.tsv          # k-fold estimate
    tools/lexmine.py candidates --lang fr CORPUS.tsv     # words to curate, no values
    tools/lexmine.py heldout --lang fr --keep KEEP CORPUS.tsv   # halves A/B

Words are keyed by tools/srtok (the library's own folding).  For each word
not already known to the lexicon of --lang, with a document frequency of at
least --min-df, the valence is a shrunken effect of the word on the gold:
  labels/binary: smoothed log-odds of appearing in positive vs negative
                 documents;
  ratings/stars: mean gold of the documents that contain it minus the
                 corpus mean, shrunk towards 0 by --shrink pseudo-documents.
scaled to VADER's range and kept when |valence| >= --min-valence.  With
--residual the effect is measured on what the current lexicon leaves
unexplained (gold minus a linear fit of gold on the current score), so a
word that merely co-occurs with known opinion words gets no credit.  With
--keep FILE (lines "word <TAB> + or -", curated by hand by meaning) only the
listed words whose mined sign agrees with the curated one are kept.
--half A|B restricts the corpus to one half (sha256 of the text, first 8
hex digits, even = A, odd = B); heldout mines on each half and measures on
the other.  --replace LIST leaves LIST (a list of core/local.mk, usually
the one being regenerated) out of the lexicon everywhere: known words,
residuals and the baseline of cv/heldout.  Run from
the top of a built tree.  Never point it at a non-commercial corpus: the
output is meant to ship.
"""
import argparse
import collections
import math
import os
import random
import re
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRTOK = os.path.join(TOP, "tools", "srtok")
SRLEXC = os.path.join(TOP, "tools", "srlexc")
CTL = os.path.join(TOP, "tools", "sentiroutectl")


def read_corpus(path):
    gold, text = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if "\t" not in line:
                continue
            g, t = line.split("\t", 1)
            gold.append(g)
            text.append(t)
    return gold, text


def numeric(gold):
    """gold values as numbers (labels: neg -1, neu 0, pos 1), and the kind"""
    m = {"neg": -1.0, "neu": 0.0, "pos": 1.0}
    if all(g in m for g in gold):
        return [m[g] for g in gold], "labels"
    vals = [float(g) for g in gold]
    if set(vals) <= {0.0, 1.0}:
        return [2 * v - 1 for v in vals], "labels"
    return vals, "ratings"


def tokens(texts):
    p = subprocess.run([SRTOK], input="\n".join(t.replace("\n", " ") for t in texts) + "\n",
                       capture_output=True, text=True, check=True)
    rows = p.stdout.split("\n")
    return [r.split() for r in rows[: len(texts)]]


def bag(seq, ngrams):
    """the words of a token sequence, and its runs of 2..NGRAMS words"""
    out = set(seq)
    for n in range(2, ngrams + 1):
        for i in range(len(seq) - n + 1):
            out.add(" ".join(seq[i:i + n]))
    return out


BASE_LEX = None   # the lexicon without the list being regenerated (--replace)
REPLACE = None


def run_ctl(lexicon, args, stdin):
    """sentiroutectl ARGS, with the compiled lexicon file if given (else the
    built-in one, or the one without the --replace list)"""
    cmd = [CTL]
    lexicon = lexicon or BASE_LEX
    conf = None
    if lexicon:
        conf = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
        conf.write('scoring = { lexicon = "%s"; };\n' % lexicon)
        conf.close()
        cmd += ["-c", conf.name]
    try:
        return subprocess.run(cmd + args, input=stdin, capture_output=True, text=True, check=True)
    finally:
        if conf:
            os.unlink(conf.name)


def known_words(words, lang, lexicon=None):
    """the words the current lexicon already scores (a cue appears)"""
    words = list(words)
    p = run_ctl(lexicon, ["score", "--lines", "--lang", lang], "\n".join(words) + "\n")
    known = set()
    for w, line in zip(words, p.stdout.split("\n")):
        if '"cues":[]' not in line:
            known.add(w)
    return known


def current_scores(texts, lexicon=None):
    p = run_ctl(lexicon, ["score", "--lines"], "\n".join(t.replace("\n", " ") for t in texts) + "\n")
    import json
    return [json.loads(l)["score"] for l in p.stdout.splitlines()[: len(texts)]]


def residuals(y, sc):
    """y minus its least-squares fit on the current scores"""
    n = len(y)
    my, ms = sum(y) / n, sum(sc) / n
    sxx = sum((s - ms) ** 2 for s in sc) or 1.0
    b = sum((s - ms) * (v - my) for s, v in zip(sc, y)) / sxx
    return [v - (my + b * (s - ms)) for s, v in zip(sc, y)]


def listed_terms(lang):
    """every term the lists of LANG already hold, tags only or not ("assez",
    "trop"): giving one of them a valence would change its role"""
    terms = set()
    for spec in lexicon_lists():
        l, path = spec.split(":", 1)
        if l != lang:
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or "\t" not in line:
                    continue
                terms.add(line.split("\t", 1)[0].lower())
    return terms


def mine(gold, toks, lang, min_df, shrink, min_valence, max_valence, scale=4.0, resid=None,
         keep=None):
    y, kind = numeric(gold)
    if resid is not None:
        y = resid
    df = collections.Counter()
    for s in toks:
        df.update(s)
    cands = [w for w, c in df.items() if c >= min_df and re.search(r"[^\W\d_]", w)
             and len(w) >= 3 and (keep is None or w in keep)]
    # a phrase replaces the words inside it: whether they are known does not matter
    known = known_words([w for w in cands if " " not in w], lang) | listed_terms(lang)
    cands = [w for w in cands if w not in known]
    out = {}
    if kind == "labels":
        npos = sum(1 for v in y if v > 0) or 1
        nneg = sum(1 for v in y if v < 0) or 1
        cp, cn = collections.Counter(), collections.Counter()
        for s, v in zip(toks, y):
            if v > 0:
                cp.update(s)
            elif v < 0:
                cn.update(s)
        a = shrink
        for w in cands:
            lo = math.log((cp[w] + a) / (npos + 2 * a)) - math.log((cn[w] + a) / (nneg + 2 * a))
            out[w] = 1.2 * lo
    else:
        mean = sum(y) / len(y) if resid is None else 0.0
        sd = math.sqrt(sum((v - mean) ** 2 for v in y) / len(y)) or 1.0
        tot = collections.Counter()
        for s, v in zip(toks, y):
            for w in s:
                tot[w] += v - mean
        for w in cands:
            eff = tot[w] / (df[w] + shrink) / sd   # in standard deviations
            out[w] = scale * eff
    res = {}
    for w, v in out.items():
        v = max(-max_valence, min(max_valence, v))
        if keep is not None and (v > 0) != (keep[w] > 0):
            continue   # the corpus disagrees with the meaning: an artefact
        if abs(v) >= min_valence:
            res[w] = round(v, 2)
            if keep is not None and keep[w] not in (1, -1):
                res[w] = keep[w]   # a curated phrase: the valence set by hand
    return res


def half_of(text):
    """A or B: sha256 of the text, first 8 hex digits, even or odd"""
    import hashlib
    return "AB"[int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % 2]


def read_keep(path):
    keep = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            f = line.split("\t")
            keep[f[0]] = 1 if f[1].strip() == "+" else -1
            if len(f) > 2 and f[2].strip():
                keep[f[0]] = float(f[2])   # phrases: valence by hand, sign as curated
    return keep


def lexicon_lists():
    lists = []
    with open(os.path.join(TOP, "core", "local.mk")) as f:
        for m in re.finditer(r"(\w\w):\$\(srcdir\)/(lexicon/[\w.-]+\.tsv)", f.read()):
            path = os.path.join(TOP, m.group(2))
            if REPLACE and os.path.realpath(path) == os.path.realpath(REPLACE):
                continue
            lists.append("%s:%s" % (m.group(1), path))
    return lists


def write_list(res, path, header):
    with open(path, "w", encoding="utf-8") as f:
        f.write(header)
        for w in sorted(res, key=lambda k: (-abs(res[k]), k)):
            f.write("%s\t%.2f\n" % (w, res[w]))


def evaluate(tsv, lexfile):
    p = run_ctl(lexfile, ["eval", "--json", tsv], None)
    import json
    return json.loads(p.stdout.splitlines()[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["mine", "cv", "candidates", "heldout"])
    ap.add_argument("corpus")
    ap.add_argument("--lang", required=True)
    ap.add_argument("--min-df", type=int, default=3)
    ap.add_argument("--shrink", type=float, default=5.0)
    ap.add_argument("--min-valence", type=float, default=0.5)
    ap.add_argument("--max-valence", type=float, default=2.5)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--source", default="", help="source line for the list header")
    ap.add_argument("--scale", type=float, default=4.0,
                    help="ratings: valence per standard deviation of effect")
    ap.add_argument("--residual", action="store_true",
                    help="mine what the current lexicon leaves unexplained")
    ap.add_argument("--keep", help="curated list: word TAB +|- (others are dropped)")
    ap.add_argument("--ngrams", type=int, default=1,
                    help="also mine runs of 2..N words (phrases; curate them with a valence)")
    ap.add_argument("--extra", help="heldout: a list written by hand, measured with and "
                    "without the mined one (compiled before it)")
    ap.add_argument("--half", choices=["A", "B"], help="use one half of the corpus only")
    ap.add_argument("--replace", help="the list being regenerated (one of core/local.mk): "
                    "mine and measure as if it were not in the lexicon")
    a = ap.parse_args()
    if a.replace:
        global BASE_LEX, REPLACE
        REPLACE = a.replace
        BASE_LEX = os.path.join(tempfile.mkdtemp(), "base.lex")
        subprocess.run([SRLEXC, "-o", BASE_LEX] + lexicon_lists(), check=True, capture_output=True)

    gold, text = read_corpus(a.corpus)
    if a.half:
        sel = [i for i in range(len(text)) if half_of(text[i]) == a.half]
        gold, text = [gold[i] for i in sel], [text[i] for i in sel]
    keep = read_keep(a.keep) if a.keep else None
    toks = [bag(seq, a.ngrams) for seq in tokens(text)]
    header = ("# Valences derived by tools/lexmine.py from %s\n"
              "# %s\n# Format: term <TAB> valence (see srlexc(1)).\n" % (os.path.basename(a.corpus),
                                                                        a.source))

    def do_mine(g, tk, tx):
        resid = None
        if a.residual:
            resid = residuals(numeric(g)[0], current_scores(tx))
        return mine(g, tk, a.lang, a.min_df, a.shrink, a.min_valence, a.max_valence, a.scale,
                    resid, keep)

    if a.mode == "candidates":
        res = do_mine(gold, toks, text)
        for w in sorted(res):
            print(w)
        print("%d words" % len(res), file=sys.stderr)
        return
    if a.mode == "heldout":
        lists = lexicon_lists()
        tmp = tempfile.mkdtemp()
        half = [half_of(t) for t in text]
        for tr_h, te_h in (("A", "B"), ("B", "A")):
            tr = [i for i in range(len(text)) if half[i] == tr_h]
            te = [i for i in range(len(text)) if half[i] == te_h]
            res = do_mine([gold[i] for i in tr], [toks[i] for i in tr], [text[i] for i in tr])
            mined = os.path.join(tmp, "mined-%s.tsv" % tr_h)
            write_list(res, mined, header)
            extra = ["%s:%s" % (a.lang, a.extra)] if a.extra else []
            lex = os.path.join(tmp, "half.lex")
            subprocess.run([SRLEXC, "-o", lex] + lists + extra + ["%s:%s" % (a.lang, mined)],
                           check=True, capture_output=True)
            tsv = os.path.join(tmp, "test.tsv")
            with open(tsv, "w", encoding="utf-8") as f:
                for i in te:
                    f.write("%s\t%s\n" % (gold[i], text[i]))
            base = evaluate(tsv, None)
            new = evaluate(tsv, lex)
            mid = ""
            if extra:
                xlex = os.path.join(tmp, "extra.lex")
                subprocess.run([SRLEXC, "-o", xlex] + lists + extra, check=True, capture_output=True)
                mid = " -> %.3f" % evaluate(tsv, xlex)["pearson_r"]
            print("mine %s (%d docs), measure %s (%d docs): %d words  r %.3f%s -> %.3f  "
                  "macroF1 %.3f -> %.3f  binacc %.3f -> %.3f" % (
                      tr_h, len(tr), te_h, len(te), len(res), base["pearson_r"], mid,
                      new["pearson_r"], base["macro_f1"], new["macro_f1"], base["binary_acc"],
                      new["binary_acc"]))
        return
    if a.mode == "mine":
        res = do_mine(gold, toks, text)
        sys.stdout.write(header)
        for w in sorted(res, key=lambda k: (-abs(res[k]), k)):
            sys.stdout.write("%s\t%.2f\n" % (w, res[w]))
        print("%d words" % len(res), file=sys.stderr)
        return
    idx = list(range(len(gold)))
    random.Random(7).shuffle(idx)
    lists = lexicon_lists()
    tmp = tempfile.mkdtemp()
    for k in range(a.folds):
        test = set(idx[k::a.folds])
        tr = [i for i in idx if i not in test]
        res = do_mine([gold[i] for i in tr], [toks[i] for i in tr], [text[i] for i in tr])
        mined = os.path.join(tmp, "mined.tsv")
        write_list(res, mined, header)
        lex = os.path.join(tmp, "fold.lex")
        subprocess.run([SRLEXC, "-o", lex] + lists + ["%s:%s" % (a.lang, mined)], check=True,
                       capture_output=True)
        tsv = os.path.join(tmp, "test.tsv")
        with open(tsv, "w", encoding="utf-8") as f:
            for i in sorted(test):
                f.write("%s\t%s\n" % (gold[i], text[i]))
        base = evaluate(tsv, None)
        new = evaluate(tsv, lex)
        print("fold %d: %d words  r %.3f -> %.3f  macroF1 %.3f -> %.3f  binacc %.3f -> %.3f" % (
            k, len(res), base["pearson_r"], new["pearson_r"], base["macro_f1"], new["macro_f1"],
            base["binary_acc"], new["binary_acc"]))


if __name__ == "__main__":
    main()
