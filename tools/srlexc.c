/*
 * srlexc - compile sentiroute lexicon lists into one binary lexicon
 *
 * SYNOPSIS
 *   srlexc -o OUT.lex [-H STAMP.h] LANG:FILE [LANG:FILE ...]
 *
 * DESCRIPTION
 *   Reads valence lists and writes the compact lexicon that libsentiroute
 *   embeds (or maps with scoring.lexicon).  LANG is xx (any language), en,
 *   de, fr, es or pl.  A FILE holds one term per line:
 *
 *       term <TAB> valence <TAB> tags
 *
 *   valence is a number in [-4, 4] or "-" for none; tags is a comma list of
 *   neg, postneg (neg=N, postneg=N: reach N words instead of 3), boost=X, damp=X, but, urgent, threat, advocacy, human,
 *   offensive, func, expect (a neutral word whose negation is a complaint:
 *   "work", "arrive"), absence (a determiner whose next neutral word is
 *   missing and so a complaint: "no", "kein"), sarcasm (a marker that turns
 *   praise around: "#sarcasm"), polite (thanks, please: counts little in
 *   a message that asks a question or makes a request; a polite term
 *   below 0.5 ("please", "bitte") or without valence ("I would like",
 *   "ich möchte": a request verb) marks the request), fullneg (a problem word whose negation
 *   is praise: "haven't had any problem"; other negated complaints count
 *   next to nothing), sentadv (a sentence adverb: no negator flips it, and
 *   a clause-final negator passes over it, "klappt leider nicht"),
 *   answerno (the answer "no" that is no negator: "nein"; with thanks
 *   after it a sentence declines, as after a negator: "Nein, danke"),
 *   leadbut (with but: a contrast only where it opens a clause; inside
 *   one it is a modal particle, "benutzt doch endlich"), concede (opens a
 *   concessive clause: what it holds, up to the next comma or stop, counts
 *   CONCEDE_W: "Great stay, although the room was small"; concede=N: only
 *   the next N words, for prepositions: "despite the delay"), interj (praise
 *   that can open a sentence as an exclamation: before a comma and a
 *   complaint it is sarcasm, "Great, another delay."), laugh (laughter:
 *   its praise is dropped from a sentence that complains, "lol my bag got
 *   lost again"; on an emoji of negative valence, tears: their blame is
 *   dropped from a sentence that praises or thanks, "so good 😭"),
 *   resolve (a problem's end: a problem word, tagged fullneg, before it in
 *   the sentence counts no more, "the problem was solved quickly"; on a
 *   word of negative valence, a loss, "disappeared", "verschwunden": next
 *   to a problem word neither counts, "the problem disappeared", "Zniknął
 *   problem", elsewhere it is a loss, "my parcel disappeared"), num (a
 *   number word, "three", "drei", "trzech": "00" in a phrase stands for it
 *   as for a number written in digits, "waiting three weeks"; with func
 *   or alone it adds to the term's record as person does), closing (a
 *   closing formula, "kind regards", "Mit freundlichen Grüßen",
 *   "Cordialement", "Saludos", "Pozdrawiam": the words on the line after
 *   it, at most four, are the writer's name and carry no valence, "Claire",
 *   "Dolores"; with func or alone it adds to the term's record as num
 *   does), signoff (a word or phrase of praise that closes a letter only
 *   where it starts its line and a name follows on the next, "Best,\nAmir",
 *   "Love,\nMum", "Bises,\nAnna", "Un abrazo,\nAna": there its praise does
 *   not count and the name is muted as after closing; elsewhere it is the
 *   word it always was; alone on a line it adds to the term's record as
 *   closing does), person (a word of the writer or of the one addressed: "my",
 *   "I", "you", "please", "mi", "necesito", "mój", "proszę"; urgency counts
 *   only in a text that has one, "the government must urgently act" is
 *   news; a line whose only tag is person adds the mark to the term's
 *   record and leaves the rest as an earlier line set it, or makes the
 *   term a function word), and the marks why (opens a question that
 *   complains: "why did you cancel the best show"), ask (opens a question
 *   for information: a problem word in it is the topic and weighs little,
 *   "How do I return a broken item?", "¿Cuál es su política para
 *   artículos dañados?"; set as why with arg SRP_ASK_ARG, so it takes no
 *   neg, boost, damp, urgent or concede), report (a function word that
 *   attributes the text to someone else: "said", "according to", "teilte
 *   mit", "selon", "según", "według"; a text with one and no word tagged
 *   person weighs less, it reports; arg SRP_REPORT_ARG, no other tag), again (a repetition:
 *   weighs on a complaint in its sentence, "late again"), corr (a negator
 *   that reaches both halves of "weder gut noch schlecht"), incred
 *   (incredulity: "Seriously?", "¿En serio?" as a question of its own),
 *   sep (on a separable verb's particle, "ab", "aus", and on the joined
 *   forms that count when the verb is split around its clause: "abstürzt"
 *   then scores "die App stürzt ständig ab"), conj (a conjunction that
 *   opens a clause with no comma before it: "stürzt ab und ..."), excess
 *   ("too", "trop": before a word the language has no entry for, "too
 *   small", a complaint), mixed (a mixed verdict: "mixed feelings",
 *   "gemischte Gefühle"; the text's valence weighs less),
 *   which, as person, may stand alone on a line.  A term ending in "*" is
 *   a stem (matches any word that begins with it); a term with spaces is a phrase; a short run of ASCII
 *   punctuation is an emoticon, kept exactly as written and filed under xx.
 *   Lines in VADER's format (term, mean, sd, [ratings]) are read too.
 *   Blank lines and lines starting with '#' are ignored.  A later file
 *   overrides an earlier one for the same term and language.  Words with
 *   diacritics also get their unaccented spelling (and de ae/oe/ue/ss),
 *   and English terms with n't and French ones with an elision their
 *   spelling without the apostrophe ("can't log in" -> "cant log in",
 *   "n'importe quoi" -> "nimporte quoi"), unless that spelling has its own
 *   entry.
 *
 *   Errors name file and line; the exit code is 0, 1 (bad input) or 2
 *   (usage).
 */
#include "build-config.h"

#include "../core/lexicon.h"
#include "../core/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

typedef struct rec {
    int set;
    int variant;      /* made from an accented spelling; real entries win */
    int person;       /* first or second person (srp_lex_entry.person) */
    int shout;        /* tag shout: urgency in capitals only */
    int num;          /* tag num: a number word (SRP_E_NUMBER on the entry) */
    int closing;      /* tag closing: a closing formula (SRP_E_CLOSING on the entry) */
    int signoff;      /* tag signoff: praise that may close a letter (SRP_E_SIGNOFF) */
    int ask;          /* tag ask: mark why with arg SRP_ASK_ARG */
    int report;       /* tag report: a function word with arg SRP_REPORT_ARG */
    unsigned marks;   /* bit SRP_MARK_*: tags why, ..., excess, mixed */
    uint8_t tags2;
    uint16_t tags;
    float valence;
    float arg;
} rec;

typedef struct entry {
    char *key;
    size_t len;
    uint32_t hash;
    uint8_t eflags;
    uint8_t plens;
    uint8_t elens;
    rec recs[SRP_NLANG];
} entry;

static entry *entries;
static size_t nentries, capentries;
static size_t *table;  /* index+1 */
static size_t tablecap;
static unsigned max_phrase_words = 1;
static int errors;

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (q == NULL) {
        fprintf(stderr, "srlexc: out of memory\n");
        exit(1);
    }
    return q;
}

static void table_grow(void)
{
    size_t ncap = tablecap ? tablecap * 2 : 1024;
    size_t *nt = calloc(ncap, sizeof(*nt));

    if (nt == NULL) {
        fprintf(stderr, "srlexc: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < nentries; i++) {
        size_t j = entries[i].hash & (ncap - 1);
        while (nt[j])
            j = (j + 1) & (ncap - 1);
        nt[j] = i + 1;
    }
    free(table);
    table = nt;
    tablecap = ncap;
}

/* get - the entry for key, created when create is set */
static entry *get(const char *key, size_t len, int create)
{
    uint32_t h = srp_hash(key, len);
    size_t j;

    if (tablecap == 0 || (nentries + 1) * 2 > tablecap)
        table_grow();
    j = h & (tablecap - 1);
    while (table[j]) {
        entry *e = &entries[table[j] - 1];
        if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0)
            return e;
        j = (j + 1) & (tablecap - 1);
    }
    if (!create)
        return NULL;
    if (nentries == capentries) {
        capentries = capentries ? capentries * 2 : 4096;
        entries = xrealloc(entries, capentries * sizeof(*entries));
    }
    entry *e = &entries[nentries];
    memset(e, 0, sizeof(*e));
    e->key = xrealloc(NULL, len + 1);
    memcpy(e->key, key, len);
    e->key[len] = '\0';
    e->len = len;
    e->hash = h;
    table[j] = ++nentries;
    return e;
}

static int lang_of(const char *code)
{
    if (strcmp(code, "xx") == 0)
        return SRP_LANG_XX;
    return srp_lang_slot(code);
}

/* is_emoticon_term - short ASCII punctuation runs are kept raw */
static int is_emoticon_term(const char *t)
{
    size_t n = strlen(t), letters = 0, punct = 0;

    if (n < 2 || n > 10)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c >= 0x80 || c <= 0x20)
            return 0;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            letters++;
        else if (!(c >= '0' && c <= '9'))
            punct++;
    }
    /* "don't" has punctuation but is a word; so are elisions ("n'", "qu'") */
    if (punct == 1 && strchr(t, '\'') && letters >= 1 && (letters >= 2 || t[n - 1] == '\''))
        return 0;
    return letters <= 2 && punct >= 1;
}

/* term_key - the folded key of a term; phrases are words joined by ' ' */
static int term_key(const char *term, char *key, size_t keysize, unsigned *nwords,
                    char *first, size_t firstsize)
{
    srp_tokenizer t;
    srp_token tok;
    size_t o = 0;

    *nwords = 0;
    srp_tok_init(&t, term, strlen(term), NULL, NULL);
    while (srp_tok_next(&t, &tok)) {
        if (tok.type != SRP_TOK_WORD && tok.type != SRP_TOK_EMOJI && tok.type != SRP_TOK_NUMBER)
            continue;
        if (tok.key_len == 0)
            return -1;
        if (o + tok.key_len + 2 > keysize)
            return -1;
        if (*nwords == 0) {
            if (tok.key_len + 1 > firstsize)
                return -1;
            memcpy(first, tok.key, tok.key_len + 1);
        } else {
            key[o++] = ' ';
        }
        memcpy(key + o, tok.key, tok.key_len);
        o += tok.key_len;
        (*nwords)++;
    }
    /* a trailing elision ("merci d'", "jusqu'"): the tokenizer keeps the
     * apostrophe only before a letter, but text will have one there */
    size_t tl = strlen(term);
    if (*nwords > 0 && o > 0 && key[o - 1] != '\'' &&
        ((tl >= 1 && term[tl - 1] == '\'') ||
         (tl >= 3 && memcmp(term + tl - 3, "\xe2\x80\x99", 3) == 0))) {
        if (o + 2 > keysize)
            return -1;
        key[o++] = '\'';
        if (*nwords == 1 && strlen(first) + 2 <= firstsize)
            strcat(first, "'");
    }
    key[o] = '\0';
    return *nwords ? (int)o : -1;
}

/* mark_of - the SRP_MARK_* a tag names, or -1 */
static int mark_of(const char *tag)
{
    static const char *const names[SRP_MARK_N] = {
        [SRP_MARK_WHY] = "why",   [SRP_MARK_AGAIN] = "again",   [SRP_MARK_CORR] = "corr",
        [SRP_MARK_INCRED] = "incred", [SRP_MARK_SEP] = "sep",   [SRP_MARK_CONJ] = "conj",
        [SRP_MARK_EXCESS] = "excess", [SRP_MARK_MIXED] = "mixed",
    };

    for (int k = 0; k < SRP_MARK_N; k++)
        if (names[k] != NULL && strcmp(tag, names[k]) == 0)
            return k;
    return -1;
}

static int parse_tags(char *s, rec *r, const char *file, unsigned line)
{
    char *save = NULL;

    for (char *tag = strtok_r(s, ", ", &save); tag; tag = strtok_r(NULL, ", ", &save)) {
        if (strcmp(tag, "neg") == 0)
            r->tags |= SRP_T_NEG;
        else if (strcmp(tag, "postneg") == 0)
            r->tags |= SRP_T_NEG | SRP_T_POSTNEG;
        else if (strncmp(tag, "neg=", 4) == 0 || strncmp(tag, "postneg=", 8) == 0) {
            /* a negator with its own reach in words (default 3) */
            char *end;
            const char *num = strchr(tag, '=') + 1;
            long v = strtol(num, &end, 10);
            if (*end || v < 1 || v > 6) {
                fprintf(stderr, "%s:%u: bad %s (want a reach of 1 to 6 words)\n", file, line, tag);
                return -1;
            }
            r->tags |= SRP_T_NEG | (tag[0] == 'p' ? SRP_T_POSTNEG : 0);
            r->arg = (float)v;
        }
        else if (strncmp(tag, "boost=", 6) == 0 || strncmp(tag, "damp=", 5) == 0) {
            char *end;
            const char *num = strchr(tag, '=') + 1;
            double v = strtod(num, &end);
            if (*end || v <= 0 || v > 2) {
                fprintf(stderr, "%s:%u: bad %s (want a number in (0, 2])\n", file, line, tag);
                return -1;
            }
            r->tags |= SRP_T_BOOST;
            r->arg = (float)(tag[0] == 'b' ? v : -v);
        } else if (strcmp(tag, "but") == 0)
            r->tags |= SRP_T_BUT;
        else if (strcmp(tag, "urgent") == 0)
            r->tags |= SRP_T_URGENT;
        else if (strcmp(tag, "threat") == 0)
            r->tags |= SRP_T_THREAT;
        else if (strcmp(tag, "advocacy") == 0)
            r->tags |= SRP_T_ADVOCACY;
        else if (strcmp(tag, "human") == 0)
            r->tags |= SRP_T_HUMAN;
        else if (strcmp(tag, "offensive") == 0)
            r->tags |= SRP_T_OFFENSIVE;
        else if (strcmp(tag, "func") == 0)
            r->tags |= SRP_T_FUNC;
        else if (strcmp(tag, "expect") == 0)
            r->tags |= SRP_T_EXPECT;
        else if (strcmp(tag, "absence") == 0)
            r->tags |= SRP_T_ABSENCE;
        else if (strcmp(tag, "sarcasm") == 0)
            r->tags |= SRP_T_SARCASM;
        else if (strcmp(tag, "polite") == 0)
            r->tags |= SRP_T_POLITE;
        else if (strcmp(tag, "fullneg") == 0)
            r->tags2 |= SRP_T2_FULLNEG;
        else if (strcmp(tag, "sentadv") == 0)
            r->tags2 |= SRP_T2_SENTADV;
        else if (strcmp(tag, "answerno") == 0)
            r->tags2 |= SRP_T2_ANSWERNO;
        else if (strcmp(tag, "leadbut") == 0)
            r->tags2 |= SRP_T2_LEADBUT;
        else if (strcmp(tag, "concede") == 0)
            r->tags2 |= SRP_T2_CONCEDE;
        else if (strcmp(tag, "interj") == 0)
            r->tags2 |= SRP_T2_INTERJ;
        else if (strcmp(tag, "laugh") == 0)
            r->tags2 |= SRP_T2_LAUGH;
        else if (strcmp(tag, "resolve") == 0)
            r->tags2 |= SRP_T2_RESOLVE;
        else if (strcmp(tag, "person") == 0)
            r->person = 1;
        else if (strcmp(tag, "num") == 0)
            r->num = 1;
        else if (strcmp(tag, "closing") == 0)
            r->closing = 1;
        else if (strcmp(tag, "signoff") == 0)
            r->signoff = 1;
        else if (mark_of(tag) >= 0)
            r->marks |= 1u << mark_of(tag);
        else if (strcmp(tag, "shout") == 0)
            r->shout = 1;   /* urgency in capitals only: checked below */
        else if (strcmp(tag, "report") == 0)
            r->report = 1;   /* attribution, a function word: checked below */
        else if (strcmp(tag, "ask") == 0) {
            r->ask = 1;     /* a question for information: checked below */
            r->marks |= 1u << SRP_MARK_WHY;
        }
        else if (strncmp(tag, "concede=", 8) == 0) {
            /* a preposition ("despite the delay"): reaches N words, not
             * the whole clause */
            char *end;
            long v = strtol(tag + 8, &end, 10);
            if (*end || v < 1 || v > 6) {
                fprintf(stderr, "%s:%u: bad %s (want a reach of 1 to 6 words)\n", file, line, tag);
                return -1;
            }
            r->tags2 |= SRP_T2_CONCEDE;
            r->arg = (float)v;
        }
        else {
            fprintf(stderr, "%s:%u: unknown tag '%s'\n", file, line, tag);
            return -1;
        }
    }
    if (r->shout) {
        /* the mark lives in arg: only for an urgency word that has no
         * other use for it (a negator's or concession's reach, a boost) */
        if (!(r->tags & SRP_T_URGENT) || (r->tags & (SRP_T_NEG | SRP_T_BOOST)) ||
            (r->tags2 & SRP_T2_CONCEDE)) {
            fprintf(stderr, "%s:%u: shout needs urgent, and no neg, boost, damp or concede\n",
                    file, line);
            return -1;
        }
        r->arg = SRP_SHOUT_ARG;
    }
    if (r->report) {
        /* the mark lives in arg: a word of no other use */
        if ((r->tags & ~(unsigned)(SRP_T_FUNC | SRP_T_STEM)) || r->tags2 || r->ask || r->shout ||
            r->marks) {
            fprintf(stderr, "%s:%u: report is for a function word with no other tag\n", file,
                    line);
            return -1;
        }
        r->tags |= SRP_T_FUNC;
        r->arg = SRP_REPORT_ARG;
    }
    if (r->ask) {
        /* the mark lives in arg, as shout's does */
        if ((r->tags & (SRP_T_NEG | SRP_T_BOOST | SRP_T_URGENT)) || (r->tags2 & SRP_T2_CONCEDE)) {
            fprintf(stderr, "%s:%u: ask takes no neg, boost, damp, urgent or concede\n", file,
                    line);
            return -1;
        }
        r->arg = SRP_ASK_ARG;
    }
    return 0;
}

static void put(int lang, const char *key, size_t len, const rec *r, unsigned nwords,
                const char *first, const char *file, unsigned line, int variant)
{
    entry *e = get(key, len, 1);

    if (variant && e->recs[lang].set)
        return;
    if (r->num)
        e->eflags |= SRP_E_NUMBER;
    if (r->closing)
        e->eflags |= SRP_E_CLOSING;
    if (r->signoff)
        e->eflags |= SRP_E_SIGNOFF;
    if ((r->person || r->marks || r->num || r->closing || r->signoff) &&
        (r->tags & ~(unsigned)SRP_T_STEM) == SRP_T_FUNC &&
        r->tags2 == 0 && e->recs[lang].set) {
        /* "my - person", "warum - why", "abzock* - sep": the mark only;
         * the record stays as it was */
        e->recs[lang].person |= r->person;
        e->recs[lang].marks |= r->marks;
        if (r->ask) {
            const rec *o = &e->recs[lang];
            if ((o->tags & (SRP_T_NEG | SRP_T_BOOST | SRP_T_URGENT)) || (o->tags2 & SRP_T2_CONCEDE)) {
                fprintf(stderr, "%s:%u: ask on '%s', whose record takes an argument\n",
                        file ? file : "-", line, key);
                errors++;
                return;
            }
            e->recs[lang].ask = 1;
            e->recs[lang].arg = SRP_ASK_ARG;
        }
        return;
    }
    if (!variant && e->recs[lang].set && !e->recs[lang].variant && file != NULL &&
        getenv("SRLEXC_WARN_DUP"))
        fprintf(stderr, "%s:%u: warning: '%s' redefined for %s\n", file, line, key,
                srp_lang_code(lang));
    {
        /* a "person" mark given on a line of its own survives a later
         * line for the same term (not one copied to an unaccented
         * spelling: "potrzebuje" is listed to lose it) */
        int person = e->recs[lang].variant ? 0 : e->recs[lang].person;
        unsigned marks = e->recs[lang].variant ? 0 : e->recs[lang].marks;
        int ask = e->recs[lang].variant ? 0 : e->recs[lang].ask;
        e->recs[lang] = *r;
        e->recs[lang].person |= person;
        e->recs[lang].marks |= marks;
        if (ask && !r->ask && r->arg == 0.0f &&
            !((r->tags & (SRP_T_NEG | SRP_T_BOOST | SRP_T_URGENT)) || (r->tags2 & SRP_T2_CONCEDE))) {
            e->recs[lang].ask = 1;   /* the why mark survives: so does ask */
            e->recs[lang].arg = SRP_ASK_ARG;
        }
    }
    e->recs[lang].set = 1;
    e->recs[lang].variant = variant;
    if (r->tags & SRP_T_STEM)
        e->eflags |= SRP_E_HAS_STEM;
    if (nwords > 1) {
        entry *f = get(first, strlen(first), 1);
        f->eflags |= SRP_E_PHRASE_START;
        for (const char *w = memchr(key, ' ', len); w != NULL && w < key + len;
             w = memchr(w + 1, ' ', (size_t)(key + len - w - 1)))
            if ((size_t)(key + len - w) >= 3 && w[1] == '0' && w[2] == '0' &&
                ((size_t)(key + len - w) == 3 || w[3] == ' '))
                f->eflags |= SRP_E_NUM_PHRASE;   /* "waiting 00 weeks" */
        f->plens |= (uint8_t)(1u << (nwords - 1));
        const char *last = strrchr(key, ' ');
        entry *le = get(last + 1, len - (size_t)(last + 1 - key), 1);
        le->eflags |= SRP_E_PHRASE_END;
        le->elens |= (uint8_t)(1u << (nwords - 1));
        if (nwords > max_phrase_words)
            max_phrase_words = nwords;
    }
}

static void load(int lang, const char *file)
{
    FILE *fp = fopen(file, "r");
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;

    if (fp == NULL) {
        fprintf(stderr, "srlexc: %s: %s\n", file, strerror(errno));
        exit(1);
    }
    while (getline(&line, &cap, fp) >= 0) {
        char *f[4] = {0};
        int nf = 0;
        char *p = line;
        rec r = {0};
        char key[256], first[SRP_KEY_MAX];
        unsigned nwords = 0;
        int l = lang, klen, vader;
        size_t tl;

        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        while (nf < 4) {
            f[nf++] = p;
            p = strchr(p, '\t');
            if (p == NULL)
                break;
            *p++ = '\0';
        }
        /* trim the term */
        while (*f[0] == ' ')
            f[0]++;
        tl = strlen(f[0]);
        while (tl > 0 && f[0][tl - 1] == ' ')
            f[0][--tl] = '\0';
        if (tl == 0) {
            fprintf(stderr, "%s:%u: empty term\n", file, lineno);
            errors++;
            continue;
        }
        if (!srp_utf8_valid(f[0], tl)) {
            fprintf(stderr, "%s:%u: term is not valid UTF-8\n", file, lineno);
            errors++;
            continue;
        }
        if (nf >= 2 && f[1][0] != '\0' && strcmp(f[1], "-") != 0) {
            char *end;
            double v = strtod(f[1], &end);
            if (*end || v < -4.0 || v > 4.0) {
                fprintf(stderr, "%s:%u: bad valence '%s' (want -4..4 or -)\n", file, lineno, f[1]);
                errors++;
                continue;
            }
            r.tags |= SRP_T_VAL;
            r.valence = (float)v;
        }
        /* VADER format: term, mean, sd, [ratings] - no tags */
        vader = nf == 4 && f[3][0] == '[';
        if (!vader && nf >= 3 && parse_tags(f[2], &r, file, lineno) != 0) {
            errors++;
            continue;
        }
        if ((r.person || r.marks || r.closing || r.signoff) && r.tags == 0 && r.tags2 == 0)
            r.tags = SRP_T_FUNC;   /* a mark alone: put() keeps an earlier record */
        if (r.tags == 0 && r.tags2 == 0) {
            fprintf(stderr, "%s:%u: '%s' has neither valence nor tags\n", file, lineno, f[0]);
            errors++;
            continue;
        }
        if (is_emoticon_term(f[0])) {
            size_t n = strlen(f[0]);
            entry *e;
            r.set = 1;
            e = get(f[0], n, 1);
            e->eflags |= SRP_E_RAW;
            e->recs[SRP_LANG_XX] = r;
            continue;
        }
        if (tl > 1 && f[0][tl - 1] == '*') {
            f[0][--tl] = '\0';
            r.tags |= SRP_T_STEM;
        }
        klen = term_key(f[0], key, sizeof(key), &nwords, first, sizeof(first));
        if (klen < 0) {
            /* third-party (VADER) lists hold a few multi-part emoticons we
             * cannot match; our own lists must be clean */
            fprintf(stderr, "%s:%u: %s: '%s' gives no usable key\n", file, lineno,
                    vader ? "skipped" : "error", f[0]);
            if (!vader)
                errors++;
            continue;
        }
        if ((r.tags & SRP_T_STEM) && nwords > 1) {
            fprintf(stderr, "%s:%u: a phrase cannot be a stem\n", file, lineno);
            errors++;
            continue;
        }
        if (nwords > 6) {
            fprintf(stderr, "%s:%u: phrases have at most 6 words\n", file, lineno);
            errors++;
            continue;
        }
        /* a single emoji from an English list belongs to every language */
        if (nwords == 1 && (unsigned char)key[0] >= 0xe2 && lang == SRP_LANG_EN) {
            const unsigned char *q = (const unsigned char *)key;
            if (srp_is_emoji(srp_utf8_decode(&q, q + klen)))
                l = SRP_LANG_XX;
        }
        put(l, key, (size_t)klen, &r, nwords, first, file, lineno, 0);
    }
    free(line);
    fclose(fp);
}

/* strip - the unaccented spelling of a key; de_translit uses ae/oe/ue */
static int strip(const char *key, size_t len, char *out, size_t outsize, int de_translit)
{
    const unsigned char *p = (const unsigned char *)key, *end = p + len;
    size_t o = 0;

    while (p < end) {
        uint32_t cp = srp_utf8_decode(&p, end);
        char tmp[8];
        size_t k = 0;

        if (de_translit && (cp == 0xe4 || cp == 0xf6 || cp == 0xfc)) {
            tmp[0] = cp == 0xe4 ? 'a' : cp == 0xf6 ? 'o' : 'u';
            tmp[1] = 'e';
            k = 2;
        } else if (cp == 0xdf) {
            memcpy(tmp, "ss", 2);
            k = 2;
        } else if (cp == 0x142) {
            tmp[0] = 'l';
            k = 1;
        } else if (cp == 0x153) {
            memcpy(tmp, "oe", 2);
            k = 2;
        } else if (cp >= 0x80) {
            utf8proc_int32_t d[8];
            utf8proc_ssize_t n = utf8proc_decompose_char((utf8proc_int32_t)cp, d, 8,
                                                         UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK,
                                                         NULL);
            if (n == 1 && d[0] < 0x80) {
                tmp[0] = (char)d[0];
                k = 1;
            } else {
                k = srp_utf8_encode(cp, tmp);
            }
        } else {
            tmp[0] = (char)cp;
            k = 1;
        }
        if (o + k + 1 > outsize)
            return -1;
        memcpy(out + o, tmp, k);
        o += k;
    }
    out[o] = '\0';
    return (int)o;
}

/* put_variant - key (k bytes) as another spelling of record r */
static void put_variant(int l, const char *key, int k, const rec *r)
{
    unsigned nwords = 1;
    char first[SRP_KEY_MAX];
    size_t fl = strcspn(key, " ");

    for (int j = 0; j < k; j++)
        if (key[j] == ' ')
            nwords++;
    if (fl >= sizeof(first))
        return;
    memcpy(first, key, fl);
    first[fl] = '\0';
    put(l, key, (size_t)k, r, nwords, first, NULL, 0, 1);
}

/* no_apos - the apostrophes that tweets leave out: English "n't" ("can't
 * log in" -> "cant log in") and French elision ("n'importe quoi" ->
 * "nimporte quoi", "c'est", "qu'il"); 0 when the key has none */
static int no_apos(int lang, const char *key, size_t len, char *out, size_t outsize)
{
    size_t o = 0;
    int changed = 0;

    for (size_t i = 0; i < len; i++) {
        const int word_start1 = i == 1 || (i > 1 && key[i - 2] == ' ');
        const int word_start2 = i == 2 || (i > 2 && key[i - 3] == ' ');
        if (key[i] == '\'' && i > 0 && i + 1 < len && lang == SRP_LANG_EN &&
            key[i - 1] == 'n' && key[i + 1] == 't' && (i + 2 == len || key[i + 2] == ' ')) {
            changed = 1;
            continue;
        }
        /* an elision is a word of its own in a key ("n' importe quoi"):
         * written without the apostrophe it joins the next one */
        if (key[i] == '\'' && i + 2 < len && key[i + 1] == ' ' && key[i + 2] != ' ' &&
            lang == SRP_LANG_FR &&
            ((word_start1 && strchr("cdjlmnst", key[i - 1]) != NULL) ||
             (word_start2 && key[i - 2] == 'q' && key[i - 1] == 'u'))) {
            changed = 1;
            i++;
            continue;
        }
        if (o + 1 >= outsize)
            return -1;
        out[o++] = key[i];
    }
    out[o] = '\0';
    return changed ? (int)o : 0;
}

static void add_variants(void)
{
    size_t n = nentries;

    for (size_t i = 0; i < n; i++) {
        char key[256], buf[256];
        size_t len;

        if (entries[i].eflags & SRP_E_RAW)
            continue;
        memcpy(key, entries[i].key, entries[i].len + 1);
        len = entries[i].len;
        for (int l = 1; l < SRP_NLANG; l++) {
            rec r;
            if (!entries[i].recs[l].set || entries[i].recs[l].variant)
                continue;
            r = entries[i].recs[l];
            for (int de = 0; de <= (l == SRP_LANG_DE); de++) {
                int k = strip(key, len, buf, sizeof(buf), de);
                if (k < 0 || ((size_t)k == len && memcmp(buf, key, len) == 0))
                    continue;
                put_variant(l, buf, k, &r);
            }
            if (l == SRP_LANG_EN || l == SRP_LANG_FR) {
                int k = no_apos(l, key, len, buf, sizeof(buf));
                if (k > 0)
                    put_variant(l, buf, k, &r);
            }
        }
    }
}

static void write_out(const char *path)
{
    srp_lex_header h;
    size_t nrecs = 0, strings_len = 0, nstems = 0;
    uint32_t nslots = 1024, bloom_log2 = 12, stemf_log2 = 13;
    unsigned char *buf;
    size_t off, total;
    FILE *fp;

    /* a phrase that begins or ends with "00" ("00 weeks for") begins or
     * ends with any number word too ("three weeks for"): the words get
     * its lengths, and the scorer, finding no literal phrase, tries "00"
     * (numbers in digits have no entry: the scorer reads "00"'s own) */
    const entry *any = get("00", 2, 0);
    if (any != NULL && (any->eflags & (SRP_E_PHRASE_START | SRP_E_PHRASE_END)))
        for (size_t i = 0; i < nentries; i++)
            if ((entries[i].eflags & SRP_E_NUMBER) && &entries[i] != any) {
                entries[i].eflags |= any->eflags & (SRP_E_PHRASE_START | SRP_E_PHRASE_END);
                entries[i].plens |= any->plens;
                entries[i].elens |= any->elens;
            }
    for (size_t i = 0; i < nentries; i++) {
        size_t n = 0;
        for (int l = 0; l < SRP_NLANG; l++)
            n += entries[i].recs[l].set != 0;
        if (n > SRP_LEX_REC_INLINE)
            nrecs += n;   /* the others are in the entry */
        strings_len += entries[i].len;
        if (entries[i].eflags & SRP_E_HAS_STEM)
            nstems++;
    }
    if (nentries > SRP_LEX_MAX_ENTRIES) {
        fprintf(stderr, "srlexc: %zu entries, the format holds at most %u\n", nentries,
                SRP_LEX_MAX_ENTRIES);
        exit(1);
    }
    /* load factor at most 0.6: linear probing stays short, and the slot
     * table (4 bytes a slot) stays small enough for a core's L2 cache */
    while ((size_t)nslots * 3 < nentries * 5 + 1)
        nslots *= 2;
    size_t nphrases = 0;
    for (size_t i = 0; i < nentries; i++)
        nphrases += !(entries[i].eflags & SRP_E_RAW) && memchr(entries[i].key, ' ', entries[i].len);
    while ((1u << bloom_log2) < (nstems + nphrases) * 16 && bloom_log2 < 24)
        bloom_log2++;

    memset(&h, 0, sizeof(h));
    memcpy(h.magic, SRP_LEX_MAGIC, 8);
    h.version = SRP_LEX_VERSION;
    h.endian = SRP_LEX_ENDIAN;
    h.nslots = nslots;
    h.nentries = (uint32_t)nentries;
    h.nrecs = (uint32_t)nrecs;
    h.bloom_bits_log2 = bloom_log2;
    h.strings_len = (uint32_t)strings_len;
    h.max_phrase_words = max_phrase_words;
    off = (sizeof(h) + 7) & ~(size_t)7;
    h.slots_off = (uint32_t)off;
    off += nslots * sizeof(srp_lex_slot);
    off = (off + 63) & ~(size_t)63;   /* an entry is a cache line */
    h.entries_off = (uint32_t)off;
    off += (nentries * sizeof(srp_lex_entry) + 7) & ~(size_t)7;
    h.recs_off = (uint32_t)off;
    off += (nrecs * sizeof(srp_lex_rec) + 7) & ~(size_t)7;
    h.bloom_off = (uint32_t)off;
    off += (size_t)1 << (bloom_log2 - 3);
    h.stemf_off = (uint32_t)off;
    h.stemf_bits_log2 = stemf_log2;
    off += ((size_t)1 << stemf_log2) * sizeof(uint32_t);
    h.strings_off = (uint32_t)off;
    off += strings_len;
    total = (off + 7) & ~(size_t)7;
    h.total_len = (uint32_t)total;

    buf = calloc(1, total);
    if (buf == NULL) {
        fprintf(stderr, "srlexc: out of memory\n");
        exit(1);
    }
    srp_lex_slot *slots = (srp_lex_slot *)(buf + h.slots_off);
    srp_lex_entry *ents = (srp_lex_entry *)(buf + h.entries_off);
    srp_lex_rec *recs = (srp_lex_rec *)(buf + h.recs_off);
    uint64_t *bloom = (uint64_t *)(buf + h.bloom_off);
    uint32_t *stemf = (uint32_t *)(buf + h.stemf_off);
    char *strings = (char *)(buf + h.strings_off);
    size_t ri = 0, so = 0;
    uint32_t bmask = (1u << bloom_log2) - 1;

    for (size_t i = 0; i < nentries; i++) {
        entry *e = &entries[i];
        srp_lex_entry *o = &ents[i];
        uint32_t lh = srp_key_hash(e->key, e->len);   /* the scorer's lookup hash */
        uint32_t j = lh & (nslots - 1);

        o->key_off = (uint32_t)so;
        o->key_len = (uint16_t)e->len;
        o->eflags = e->eflags;
        o->plens = e->plens;
        o->elens = e->elens;
        memcpy(o->key, e->key, e->len < SRP_LEX_KEY_INLINE ? e->len : SRP_LEX_KEY_INLINE);
        memcpy(strings + so, e->key, e->len);
        so += e->len;
        unsigned n = 0;
        for (int l = 0; l < SRP_NLANG; l++)
            n += e->recs[l].set != 0;
        srp_lex_rec *r = o->rec;
        if (n > SRP_LEX_REC_INLINE) {
            o->rec_first = (uint32_t)ri;
            r = recs + ri;
            ri += n;
        }
        for (int l = 0; l < SRP_NLANG; l++) {
            if (!e->recs[l].set)
                continue;
            r->lang = (uint8_t)l;
            r->tags = e->recs[l].tags;
            r->tags2 = e->recs[l].tags2;
            r->valence = e->recs[l].valence;
            r->arg = e->recs[l].arg;
            if (e->recs[l].person)
                o->person |= (uint8_t)(1u << l);
            for (unsigned k = 0; k < SRP_MARK_N; k++)
                if (e->recs[l].marks & (1u << k))
                    o->mark[k] |= (uint8_t)(1u << l);
            r++;
            o->nrec++;
            o->nlang += l != SRP_LANG_XX;
        }
        while (slots[j] != 0)
            j = (j + 1) & (nslots - 1);
        slots[j] = srp_lex_slot_make(lh, (uint32_t)i);
        int phrase = !(e->eflags & SRP_E_RAW) && memchr(e->key, ' ', e->len) != NULL;
        if ((e->eflags & SRP_E_HAS_STEM) || phrase) {
            /* the filter holds stems and phrases: most probes for either
             * end here */
            uint32_t a = lh & bmask;
            uint32_t b = ((lh >> 16) | (lh << 16)) * 0x9e3779b1u & bmask;
            bloom[a >> 6] |= (uint64_t)1 << (a & 63);
            bloom[b >> 6] |= (uint64_t)1 << (b & 63);
        }
        if (e->eflags & SRP_E_HAS_STEM) {
            if (e->len >= 3 && e->len < 32)
                stemf[srp_stemf_index(e->key, stemf_log2)] |= 1u << e->len;
        }
    }
    h.checksum = srp_hash(buf + sizeof(h), total - sizeof(h));
    memcpy(buf, &h, sizeof(h));

    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    fp = fopen(tmp, "wb");
    if (fp == NULL || fwrite(buf, 1, total, fp) != total || fclose(fp) != 0) {
        fprintf(stderr, "srlexc: cannot write %s: %s\n", tmp, strerror(errno));
        exit(1);
    }
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "srlexc: cannot rename to %s: %s\n", path, strerror(errno));
        exit(1);
    }
    free(buf);
    fprintf(stderr, "srlexc: %s: %zu entries, %zu records, %zu stems, %zu bytes\n", path,
            nentries, nrecs, nstems, total);
}

/* write_stamp - a header whose content changes with the lexicon */
static void write_stamp(const char *path, const char *lexpath)
{
    FILE *fp = fopen(lexpath, "rb");
    srp_lex_header h;
    FILE *out;

    if (fp == NULL || fread(&h, sizeof(h), 1, fp) != 1) {
        fprintf(stderr, "srlexc: cannot read back %s\n", lexpath);
        exit(1);
    }
    fclose(fp);
    out = fopen(path, "w");
    if (out == NULL || fprintf(out, "/* generated by srlexc */\n#define SR_LEX_CHECKSUM 0x%08xu\n"
                                    "#define SR_LEX_BYTES %uu\n",
                               (unsigned)h.checksum, (unsigned)h.total_len) < 0 ||
        fclose(out) != 0) {
        fprintf(stderr, "srlexc: cannot write %s\n", path);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    const char *out = NULL, *stamp = NULL;
    int i = 1;

    while (i + 1 < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "-o") == 0)
            out = argv[i + 1];
        else if (strcmp(argv[i], "-H") == 0)
            stamp = argv[i + 1];
        else
            break;
        i += 2;
    }
    if (out == NULL || i >= argc) {
        fprintf(stderr, "usage: srlexc -o OUT.lex [-H STAMP.h] LANG:FILE [LANG:FILE ...]\n");
        return 2;
    }
    for (; i < argc; i++) {
        char *colon = strchr(argv[i], ':');
        int lang;
        if (colon == NULL) {
            fprintf(stderr, "srlexc: '%s' is not LANG:FILE\n", argv[i]);
            return 2;
        }
        *colon = '\0';
        lang = lang_of(argv[i]);
        if (lang < 0) {
            fprintf(stderr, "srlexc: unknown language '%s'\n", argv[i]);
            return 2;
        }
        load(lang, colon + 1);
    }
    if (errors) {
        fprintf(stderr, "srlexc: %d error(s); nothing written\n", errors);
        return 1;
    }
    add_variants();
    write_out(out);
    if (stamp != NULL)
        write_stamp(stamp, out);
    return 0;
}
