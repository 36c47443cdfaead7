/*
 * test_text - UTF-8 repair, folding and the tokenizer
 */
#include "build-config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "text.h"

typedef struct expect_tok {
    srp_tok_type type;
    const char *key;   /* NULL: don't check */
    unsigned flags;    /* flags that must be set */
} expect_tok;

static int fake_emoticon(const void *ud, const char *raw, size_t len)
{
    static const char *const list[] = {":-(", ":)", ":D", "<3", ";-)", ":'(", "xD", "):", "8)", "%)", "(8",
                                       "10/10", "8/10", "5/5", NULL};
    (void)ud;
    for (int i = 0; list[i]; i++)
        if (strlen(list[i]) == len && memcmp(list[i], raw, len) == 0)
            return 1;
    return 0;
}

static void check_tokens(const char *text, const expect_tok *want, size_t n)
{
    srp_tokenizer t;
    srp_token tok;
    size_t i = 0;

    srp_tok_init(&t, text, strlen(text), fake_emoticon, NULL);
    while (srp_tok_next(&t, &tok)) {
        if (i >= n)
            fail_msg("%s: extra token '%.*s' (type %d)", text, (int)tok.surface_len, tok.surface,
                     tok.type);
        if (tok.type != want[i].type)
            fail_msg("%s: token %zu '%.*s': got type %d, want %d", text, i,
                     (int)tok.surface_len, tok.surface, tok.type, want[i].type);
        if (want[i].key && strcmp(tok.key, want[i].key) != 0)
            fail_msg("%s: token %zu: got key '%s', want '%s'", text, i, tok.key, want[i].key);
        if ((tok.flags & want[i].flags) != want[i].flags)
            fail_msg("%s: token %zu '%s': got flags %#x, want %#x set", text, i, tok.key,
                     tok.flags, want[i].flags);
        i++;
    }
    if (i != n)
        fail_msg("%s: got %zu tokens, want %zu", text, i, n);
}

static void test_tokens_words_and_case_folding(void **state)
{
    (void)state;
    const expect_tok want[] = {{SRP_TOK_WORD, "hello", SRP_TF_UPPER},
                               {SRP_TOK_WORD, "wörld", 0},
                               {SRP_TOK_WORD, "straße", SRP_TF_UPPER}};
    check_tokens("Hello wÖrld  STRAßE", want, 3);
}

static void test_tokens_allcaps_is_a_signal(void **state)
{
    (void)state;
    const expect_tok want[] = {{SRP_TOK_WORD, "this", SRP_TF_CAPS},
                               {SRP_TOK_WORD, "is", SRP_TF_CAPS},
                               {SRP_TOK_WORD, "a", 0},
                               {SRP_TOK_WORD, "disaster", SRP_TF_CAPS}};
    check_tokens("THIS IS a DISASTER", want, 4);
}

static void test_tokens_keep_emoticons_whole(void **state)
{
    (void)state;
    const expect_tok want[] = {{SRP_TOK_WORD, "sad", 0},     {SRP_TOK_EMOTICON, ":-(", 0},
                               {SRP_TOK_EMOTICON, "<3", 0},   {SRP_TOK_EMOTICON, ":D", 0},
                               {SRP_TOK_WORD, "thanks", 0},   {SRP_TOK_EMOTICON, ":)", 0}};
    check_tokens("sad :-( <3 :D thanks:)", want, 6);
}

/* a mark out of a scale is kept whole, and sentence marks after an
 * emoticon stay punctuation ("Solid 8/10.", "10/10!") */
static void test_tokens_ratings_and_trailing_marks(void **state)
{
    (void)state;
    srp_tokenizer t;
    srp_token tok;
    const char *text = "Solid 8/10. 10/10! so happy :). 10/10/2023";
    const char *want[] = {"solid", "8/10", ".", "10/10", "!", "so", "happy", ":)", "."};
    int n = 0;

    srp_tok_init(&t, text, strlen(text), fake_emoticon, NULL);
    while (srp_tok_next(&t, &tok) && n < 9) {
        const char *got = tok.key_len ? tok.key : tok.surface;
        size_t len = tok.key_len ? tok.key_len : tok.surface_len;
        if (strlen(want[n]) != len || memcmp(want[n], got, len) != 0)
            fail_msg("token %d: '%.*s', want '%s'", n, (int)len, got, want[n]);
        if (n == 1 || n == 3 || n == 7)
            assert_int_equal(tok.type, SRP_TOK_EMOTICON);
        n++;
    }
    assert_int_equal(n, 9);
    /* a date is no mark: not an emoticon */
    while (srp_tok_next(&t, &tok))
        assert_int_not_equal(tok.type, SRP_TOK_EMOTICON);
}

static void test_tokens_emoji_with_modifiers(void **state)
{
    (void)state;
    /* thumbs up + skin tone, woman facepalming (ZWJ sequence), heart + VS16 */
    const expect_tok want[] = {{SRP_TOK_WORD, "ok", 0},
                               {SRP_TOK_EMOJI, "\xf0\x9f\x91\x8d", 0},
                               {SRP_TOK_EMOJI, "\xf0\x9f\xa4\xa6", 0},
                               {SRP_TOK_EMOJI, "\xe2\x9d\xa4", 0}};
    check_tokens("ok\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd \xf0\x9f\xa4\xa6\xe2\x80\x8d\xe2\x99\x80\xef"
                 "\xb8\x8f \xe2\x9d\xa4\xef\xb8\x8f",
                 want, 4);
}

/* a closing bracket or percent sign after text, a numbered item and an
 * opening bracket before a number are no faces */
static void test_tokens_brackets_are_no_faces(void **state)
{
    (void)state;
    const expect_tok want[] = {{SRP_TOK_CLAUSE, NULL, 0}, {SRP_TOK_WORD, "ab", 0},
                               {SRP_TOK_WORD, "montag", 0}, {SRP_TOK_CLAUSE, NULL, 0},
                               {SRP_TOK_CLAUSE, NULL, 0}, {SRP_TOK_NUMBER, "8", 0},
                               {SRP_TOK_CLAUSE, NULL, 0}, {SRP_TOK_EMOTICON, "):", 0},
                               {SRP_TOK_NUMBER, "88", 0},   {SRP_TOK_CLAUSE, NULL, 0},
                               {SRP_TOK_CLAUSE, NULL, 0},   {SRP_TOK_NUMBER, "8", 0},
                               {SRP_TOK_WORD, "uhr", 0},    {SRP_TOK_CLAUSE, NULL, 0}};
    check_tokens("(ab Montag): 8) ): 88%) (8 Uhr)", want, 14);
}

static void test_tokens_punctuation_runs(void **state)
{
    (void)state;
    srp_tokenizer t;
    srp_token tok;
    const char *text = "why?!?! great!!!";

    srp_tok_init(&t, text, strlen(text), NULL, NULL);
    assert_true(srp_tok_next(&t, &tok));
    assert_string_equal(tok.key, "why");
    assert_true(srp_tok_next(&t, &tok));
    assert_int_equal(tok.type, SRP_TOK_PUNCT);
    assert_int_equal(tok.count_excl, 2);
    assert_int_equal(tok.count_quest, 2);
    assert_true(srp_tok_next(&t, &tok));
    assert_true(srp_tok_next(&t, &tok));
    assert_int_equal(tok.type, SRP_TOK_PUNCT);
    assert_int_equal(tok.count_excl, 3);
    assert_false(srp_tok_next(&t, &tok));
}

static void test_tokens_french_elision_splits(void **state)
{
    (void)state;
    const expect_tok want[] = {{SRP_TOK_WORD, "n'", 0}, {SRP_TOK_WORD, "est", 0},
                               {SRP_TOK_WORD, "pas", 0}, {SRP_TOK_WORD, "l'", 0},
                               {SRP_TOK_WORD, "avion", 0}, {SRP_TOK_WORD, "don't", SRP_TF_APOS}};
    check_tokens("n\xe2\x80\x99" "est pas l'avion don't", want, 6);
}

static void test_tokens_skip_urls_and_mentions(void **state)
{
    (void)state;
    const expect_tok want[] = {{SRP_TOK_WORD, "see", 0}, {SRP_TOK_WORD, "great", SRP_TF_HASHTAG}};
    check_tokens("@united see https://t.co/x?a=bad #great", want, 2);
}

static void test_tokens_sentence_and_clause_breaks(void **state)
{
    (void)state;
    /* the dot inside 3.5 is no sentence end; a blank line is */
    const expect_tok want[] = {{SRP_TOK_WORD, "good", 0}, {SRP_TOK_CLAUSE, NULL, 0},
                               {SRP_TOK_WORD, "bad", 0},  {SRP_TOK_BREAK, NULL, 0},
                               {SRP_TOK_NUMBER, "3", 0},  {SRP_TOK_NUMBER, "5", 0},
                               {SRP_TOK_BREAK, NULL, 0},  {SRP_TOK_WORD, "next", 0}};
    check_tokens("good, bad. 3.5\n\nnext", want, 8);
}

static void test_tokens_elongation_flag(void **state)
{
    (void)state;
    const expect_tok want[] = {{SRP_TOK_WORD, "soooo", SRP_TF_ELONGATED},
                               {SRP_TOK_WORD, "good", 0}};
    check_tokens("soooo good", want, 2);
}

/* ascii_model - what the tokenizer must make of an ASCII word w */
static void ascii_model(const char *w, char *key, unsigned *flags, unsigned *letters)
{
    unsigned up = 0, low = 0, run = 0;
    size_t n = strlen(w);

    *flags = 0;
    *letters = 0;
    for (size_t i = 0; i < n; i++) {
        char c = w[i];
        up += c >= 'A' && c <= 'Z';
        low += c >= 'a' && c <= 'z';
        key[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        run = i > 0 && key[i] == key[i - 1] ? run + 1 : 1;
        if (run == 3)
            *flags |= SRP_TF_ELONGATED;
    }
    key[n] = '\0';
    *letters = up + low;
    if (up > 0)
        *flags |= SRP_TF_UPPER;
    if (up >= 2 && low == 0)
        *flags |= SRP_TF_CAPS;
}

/* ASCII words of 1-40 characters, at the start, in the middle and at the
 * very end of a text (the tokenizer reads a word's head 16 bytes at a time
 * where it can): key, hash, type and flags as the byte-wise model says, and
 * the tokenizer's totals of words with upper- and lower-case letters */
static void test_tokens_ascii_words_any_length_and_place(void **state)
{
    static const char pool[] = "aAbBoOoOsSzZ09xX";
    unsigned seed = 12345;

    (void)state;
    for (int iter = 0; iter < 3000; iter++) {
        char w[3][48], text[200], key[48];
        size_t o = 0;
        srp_tokenizer t;
        srp_token tok;

        for (int k = 0; k < 3; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t n = 1 + (seed >> 16) % 40;
            for (size_t i = 0; i < n; i++) {
                seed = seed * 1103515245u + 12345u;
                /* runs of one character now and then */
                w[k][i] = i > 0 && (seed >> 20) % 4 == 0 ? w[k][i - 1]
                                                          : pool[(seed >> 16) % (sizeof(pool) - 1)];
            }
            w[k][n] = '\0';
            o += (size_t)snprintf(text + o, sizeof(text) - o, "%s%s", k ? " " : "", w[k]);
        }
        unsigned wup = 0, wlow = 0;
        srp_tok_init(&t, text, o, NULL, NULL);
        for (int k = 0; k < 3; k++) {
            unsigned flags, letters;
            const unsigned mask = SRP_TF_ELONGATED | SRP_TF_UPPER | SRP_TF_CAPS;
            assert_true(srp_tok_next(&t, &tok));
            ascii_model(w[k], key, &flags, &letters);
            if (strcmp(tok.key, key) != 0 || tok.key_len != strlen(key) ||
                tok.hash != srp_hash(key, strlen(key)) || (tok.flags & mask) != flags ||
                tok.type != (letters ? SRP_TOK_WORD : SRP_TOK_NUMBER))
                fail_msg("\"%s\" in \"%s\": key '%s' hash %#x flags %#x type %d; "
                         "want '%s' %#x %#x letters %u", w[k], text, tok.key, tok.hash, tok.flags,
                         tok.type, key, srp_hash(key, strlen(key)), flags, letters);
            wup += strpbrk(w[k], "ABOSZX") != NULL;
            wlow += strpbrk(w[k], "aboszx") != NULL;
        }
        assert_false(srp_tok_next(&t, &tok));
        /* the totals count words with a letter of each case */
        assert_int_equal(t.upper, wup);
        assert_int_equal(t.lower, wlow);
    }
}

/* the fast path for plain ASCII words gives exactly the tokens of the
 * general path: random texts from fragments that sit on its edges
 * (elisions, URLs, emoticons that begin with a letter, accented letters
 * right after ASCII, blank lines, the 16th byte, the end of the text) */
static void test_tokens_fast_path_equals_general_path(void **state)
{
    static const char *const frags[] = {
        "a", "I", "ok", "OK", "Good", "BAD", "sooo", "goooood", "x", "xD", "XD", "xd", "xP",
        "d:", "o.O", "b", "8)", "(8", "):", ":)", ":-(", "<3", "2day", "123", "4ever",
        "l'avion", "don't", "qu'il", "aujourd'hui", "rock'n'roll", "'quoted'", "it's",
        "http://x.y/z", "https://a.b", "www.example.com", "wwwhat", "httpx", "hello!",
        "what?!", "e-mail", "3.5", "z.B.", "end.", "...", ",", ";", ":", "-", "(", ")",
        "#fail", "#NotHappy", "@user", "&amp;", "&gt", "abcdefghijklmnop", "abcdefghijklmno",
        "ABCDEFGHIJKLMNOPQRS", "straße", "café", "Überweisung", "déçu", "ça", "łódź",
        "zażółć", "piñata", "na\xc3\xafve", "caf\xc3", "\xe2\x80\x99", "don\xe2\x80\x99t",
        "\xc2\xa0", "\xe2\x80\xa6", "\xf0\x9f\x98\xa1", "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd",
        "e\xcc\x81t\xc3\xa9", "\xff", "\t", "\n", "\n\n", "\r\n", "  ", "'", "''",
        /* upper case whose lower case takes three bytes (U+2C65, U+2C66) */
        "\xc8\xba", "a\xc8\xbe", "\xc8\xba" "BC",
        /* marks out of a scale, with the sentence marks after them */
        "10/10", "10/10.", "8/10.", "5/5!!", ":).", "12/3", "10/10/2023", "99/x",
    };
    static const char *const emos[] = {":-(", ":)", ":D", "<3", ";-)", ":'(", "xD", "):",
                                       "8)", "%)", "(8", "10/10", "8/10", "5/5", NULL};
    uint32_t first[8] = {0};
    static uint32_t pair[2048];
    unsigned seed = 4242;

    (void)state;
    for (int i = 0; emos[i]; i++) {
        unsigned c = (unsigned char)emos[i][0] | (unsigned)(unsigned char)emos[i][1] << 8;
        first[(unsigned char)emos[i][0] >> 5] |= 1u << ((unsigned char)emos[i][0] & 31);
        pair[c >> 5] |= 1u << (c & 31);
    }
    for (int iter = 0; iter < 20000; iter++) {
        char text[400];
        size_t o = 0;
        seed = seed * 1103515245u + 12345u;
        unsigned nf = 1 + (seed >> 16) % 12;
        for (unsigned k = 0; k < nf; k++) {
            seed = seed * 1103515245u + 12345u;
            const char *f = frags[(seed >> 16) % (sizeof(frags) / sizeof(*frags))];
            size_t n = strlen(f);
            seed = seed * 1103515245u + 12345u;
            unsigned sep = (seed >> 16) % 4;   /* glue fragments now and then */
            if (o + n + 2 >= sizeof(text))
                break;
            if (k > 0 && sep != 0)
                text[o++] = sep == 3 ? '\n' : ' ';
            memcpy(text + o, f, n);
            o += n;
        }
        /* the byte tests on emoticon starts (0: none, 1: first bytes,
         * 2: first bytes and pairs) only skip work: the fast path with
         * them, and the general path with them, give the tokens of the
         * general path without them */
        for (int use_first = 0; use_first <= 2; use_first++) {
            for (int general = 0; general <= 1; general++) {
                srp_tokenizer a, b;
                srp_token ta, tb;
                srp_tok_init(&a, text, o, fake_emoticon, NULL);
                srp_tok_init(&b, text, o, fake_emoticon, NULL);
                a.emo_first = use_first ? first : NULL;
                a.emo_pair = use_first == 2 ? pair : NULL;
                a.general_only = general;
                b.general_only = 1;
                for (int n = 0;; n++) {
                    int ra = srp_tok_next(&a, &ta), rb = srp_tok_next(&b, &tb);
                    if (ra != rb)
                        fail_msg("'%.*s' (%d/%d): token %d: %d, general %d", (int)o, text,
                                 use_first, general, n, ra, rb);
                    if (!ra)
                        break;
                    if (ta.type != tb.type || ta.flags != tb.flags || ta.surface != tb.surface ||
                        ta.surface_len != tb.surface_len || ta.key_len != tb.key_len ||
                        strcmp(ta.key, tb.key) != 0 || ta.hash != tb.hash ||
                        ta.count_excl != tb.count_excl || ta.count_quest != tb.count_quest ||
                        ta.hint_mask != tb.hint_mask)
                        fail_msg("'%.*s' (%d/%d): token %d '%.*s': type %d flags %#x key '%s' "
                                 "hash %#x, general type %d flags %#x key '%s' hash %#x",
                                 (int)o, text, use_first, general, n, (int)ta.surface_len,
                                 ta.surface, ta.type, ta.flags, ta.key, ta.hash, tb.type,
                                 tb.flags, tb.key, tb.hash);
                }
                if (a.upper != b.upper || a.lower != b.lower || a.repaired != b.repaired ||
                    memcmp(a.hint, b.hint, sizeof(a.hint)) != 0)
                    fail_msg("'%.*s': tokenizer totals differ", (int)o, text);
            }
        }
    }
}

/* compare_paths - the fast and the general path give the same tokens */
static void compare_paths(const char *text, size_t len)
{
    srp_tokenizer a, b;
    srp_token ta, tb;

    srp_tok_init(&a, text, len, NULL, NULL);
    srp_tok_init(&b, text, len, NULL, NULL);
    b.general_only = 1;
    for (int n = 0;; n++) {
        int ra = srp_tok_next(&a, &ta), rb = srp_tok_next(&b, &tb);
        if (ra != rb)
            fail_msg("'%.*s': token %d: fast %d, general %d", (int)len, text, n, ra, rb);
        if (!ra)
            break;
        if (ta.type != tb.type || ta.flags != tb.flags || ta.surface != tb.surface ||
            ta.surface_len != tb.surface_len || strcmp(ta.key, tb.key) != 0 ||
            ta.hash != tb.hash || ta.hint_mask != tb.hint_mask)
            fail_msg("'%.*s': token %d: fast key '%s' flags %#x, general key '%s' flags %#x",
                     (int)len, text, n, ta.key, ta.flags, tb.key, tb.flags);
    }
    if (a.upper != b.upper || a.lower != b.lower || memcmp(a.hint, b.hint, sizeof(a.hint)) != 0)
        fail_msg("'%.*s': tokenizer totals differ", (int)len, text);
}

/* every code point of the fast path's Latin table (U+0080-U+027F), alone,
 * at the start, inside and at the end of a word, after ASCII and after
 * another letter of the table: the same tokens both ways */
static void test_tokens_latin_table_every_code_point(void **state)
{
    (void)state;
    for (uint32_t cp = 0x80; cp < 0x280; cp++) {
        char c[3] = {(char)(0xc0 | cp >> 6), (char)(0x80 | (cp & 0x3f)), 0};
        char text[96];
        int n = snprintf(text, sizeof(text), "%s x%s %sab a%sb ab%s \xc3\xa9%s%s %s%s%s",
                         c, c, c, c, c, c, c, c, c, c);
        compare_paths(text, (size_t)n);
        n = snprintf(text, sizeof(text), "x %sAB Ab%s", c, c);
        compare_paths(text, (size_t)n);
    }
}

/* the key hash reads eight bytes at a time: srp_hash_key over a padded
 * key gives srp_hash of the same bytes, whatever lies past the key */
static void test_hash_key_equals_hash(void **state)
{
    unsigned seed = 99;

    (void)state;
    for (int iter = 0; iter < 5000; iter++) {
        char key[SRP_KEY_MAX];
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 16) % SRP_KEY_MAX;
        for (size_t i = 0; i < sizeof(key); i++) {
            seed = seed * 1103515245u + 12345u;
            key[i] = (char)(seed >> 16);
        }
        char copy[SRP_KEY_MAX];
        memcpy(copy, key, n);
        assert_int_equal(srp_hash_key(key, n), srp_hash(copy, n));
    }
    assert_int_not_equal(srp_hash("good", 4), srp_hash("goof", 4));
    assert_int_not_equal(srp_hash("a", 1), srp_hash("a\0", 2));
}

/* an ASCII head that goes on in other letters, and runs across the 16th byte */
static void test_tokens_ascii_head_then_more(void **state)
{
    (void)state;
    const expect_tok want[] = {{SRP_TOK_WORD, "straßenbahnhaltestellen", SRP_TF_UPPER},
                               {SRP_TOK_WORD, "abcdefghijklmnoppp", SRP_TF_ELONGATED},
                               {SRP_TOK_WORD, "abcdefghijklmnooo", SRP_TF_ELONGATED},
                               {SRP_TOK_WORD, "überraschungseierrr", SRP_TF_ELONGATED},
                               {SRP_TOK_WORD, "wunderbarééé", SRP_TF_ELONGATED | SRP_TF_CAPS},
                               {SRP_TOK_WORD, "ok", 0}};
    check_tokens("Straßenbahnhaltestellen abcdefghijklmnoppp abcdefghijklmnoOO "
                 "überraschungseierrr WUNDERBARÉÉÉ ok",
                 want, 6);
}

static void test_invalid_utf8_never_reaches_a_key(void **state)
{
    (void)state;
    const char text[] = "ok\xff\xfe bad\xc3 \xe2\x82 w\xc3\xb6rd \xed\xa0\x80x";
    srp_tokenizer t;
    srp_token tok;

    srp_tok_init(&t, text, sizeof(text) - 1, NULL, NULL);
    while (srp_tok_next(&t, &tok))
        assert_true(srp_utf8_valid(tok.key, tok.key_len));
    assert_true(t.repaired > 0);
}

static void test_repair_replaces_and_caps(void **state)
{
    (void)state;
    char *out;
    size_t n;
    int rep, trunc;

    assert_int_equal(srp_utf8_repair("a\xff" "b\0c", 5, 0, &out, &n, &rep, &trunc), SR_OK);
    assert_string_equal(out, "a\xef\xbf\xbd" "b c");
    assert_int_equal(rep, 1);
    assert_int_equal(trunc, 0);
    free(out);
    /* the cap cuts at a character boundary: 'ä' (2 bytes) does not fit in 2 */
    assert_int_equal(srp_utf8_repair("x\xc3\xa4y", 4, 2, &out, &n, &rep, &trunc), SR_OK);
    assert_string_equal(out, "x");
    assert_int_equal(trunc, 1);
    free(out);
}

static void test_fold_is_nfc_and_lower(void **state)
{
    (void)state;
    char key[SRP_KEY_MAX];

    /* "E" + combining acute -> "é" (NFC), upper -> lower */
    assert_int_equal(srp_fold("E\xcc\x81T\xc3\x89", 6, key), 5);
    assert_string_equal(key, "\xc3\xa9t\xc3\xa9");
    assert_int_equal(srp_fold("x", 1, key), 1);
    char longword[200];
    memset(longword, 'a', sizeof(longword));
    assert_int_equal(srp_fold(longword, sizeof(longword), key), -1);
}

static void test_cut_utf8_boundaries(void **state)
{
    (void)state;
    const char *s = "a\xc3\xa4\xe2\x82\xac"; /* a ä € */
    assert_int_equal(srp_cut_utf8(s, 1), 1);
    assert_int_equal(srp_cut_utf8(s, 2), 1);
    assert_int_equal(srp_cut_utf8(s, 3), 3);
    assert_int_equal(srp_cut_utf8(s, 4), 3);
    assert_int_equal(srp_cut_utf8(s, 5), 3);
    assert_int_equal(srp_cut_utf8(s, 6), 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_words_and_case_folding),
        cmocka_unit_test(test_tokens_allcaps_is_a_signal),
        cmocka_unit_test(test_tokens_keep_emoticons_whole),
        cmocka_unit_test(test_tokens_ratings_and_trailing_marks),
        cmocka_unit_test(test_tokens_emoji_with_modifiers),
        cmocka_unit_test(test_tokens_punctuation_runs),
        cmocka_unit_test(test_tokens_brackets_are_no_faces),
        cmocka_unit_test(test_tokens_french_elision_splits),
        cmocka_unit_test(test_tokens_skip_urls_and_mentions),
        cmocka_unit_test(test_tokens_sentence_and_clause_breaks),
        cmocka_unit_test(test_tokens_elongation_flag),
        cmocka_unit_test(test_tokens_ascii_words_any_length_and_place),
        cmocka_unit_test(test_tokens_ascii_head_then_more),
        cmocka_unit_test(test_tokens_fast_path_equals_general_path),
        cmocka_unit_test(test_tokens_latin_table_every_code_point),
        cmocka_unit_test(test_hash_key_equals_hash),
        cmocka_unit_test(test_invalid_utf8_never_reaches_a_key),
        cmocka_unit_test(test_repair_replaces_and_caps),
        cmocka_unit_test(test_fold_is_nfc_and_lower),
        cmocka_unit_test(test_cut_utf8_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
