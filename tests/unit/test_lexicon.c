/*
 * test_lexicon - the compiled lexicon: lookups, stems, and refusal of
 * damaged files
 */
#include "build-config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "testutil.h"
#include "lexicon.h"
#include "text.h"

static size_t embedded_len(void)
{
    return (size_t)(srp_lexdata_end - srp_lexdata);
}

static void test_embedded_lexicon_opens(void **state)
{
    (void)state;
    sr_error err;
    srp_lexicon *lex = srp_lexicon_open(NULL, &err);
    size_t entries, recs, bytes;

    assert_non_null(lex);
    srp_lexicon_counts(lex, &entries, &recs, &bytes);
    assert_true(entries > 5000);
    assert_true(recs > 5000);
    assert_int_equal(bytes, embedded_len());
    srp_lexicon_close(lex);
}

static void test_lookup_finds_words_and_records(void **state)
{
    (void)state;
    sr_error err;
    srp_lexicon *lex = srp_lexicon_open(NULL, &err);
    const srp_lex_entry *e = srp_lexicon_get(lex, srp_hash("good", 4), "good", 4);
    const srp_lex_rec *r;
    int en = 0;

    assert_non_null(e);
    r = srp_lexicon_recs(lex, e);
    for (unsigned i = 0; i < e->nrec; i++)
        if (r[i].lang == SRP_LANG_EN && (r[i].tags & SRP_T_VAL) && r[i].valence > 1.0f)
            en = 1;
    assert_true(en);
    assert_null(srp_lexicon_get(lex, srp_hash("qwzxv", 5), "qwzxv", 5));
    /* emoticons are raw entries */
    e = srp_lexicon_get(lex, srp_hash(":-(", 3), ":-(", 3);
    assert_non_null(e);
    assert_true(e->eflags & SRP_E_RAW);
    /* unaccented spellings are added: "decu" finds French "déçu" stem records */
    e = srp_lexicon_get(lex, srp_hash("decu", 4), "decu", 4);
    assert_non_null(e);
    /* closing formulas carry their mark, spelling variants too; a plain
     * word does not */
    static const char *const closings[] = {"regards", "cordialement", "pozdrawiam", "atentamente",
                                           "mfg", "grusse"};
    for (size_t k = 0; k < sizeof(closings) / sizeof(*closings); k++) {
        size_t n = strlen(closings[k]);
        e = srp_lexicon_get(lex, srp_hash(closings[k], n), closings[k], n);
        assert_non_null(e);
        assert_true(e->eflags & SRP_E_CLOSING);
    }
    e = srp_lexicon_get(lex, srp_hash("good", 4), "good", 4);
    assert_false(e->eflags & SRP_E_CLOSING);
    srp_lexicon_close(lex);
}

/* every entry is found by its own key and only by it: the slots hold 12
 * bits of the hash, the key comparison does the rest */
static void test_every_entry_finds_itself(void **state)
{
    (void)state;
    sr_error err;
    srp_lexicon *lex = srp_lexicon_open(NULL, &err);
    size_t n, shorter = 0;

    assert_non_null(lex);
    srp_lexicon_counts(lex, &n, NULL, NULL);
    assert_true(n <= SRP_LEX_MAX_ENTRIES);
    for (size_t i = 0; i < n; i++) {
        const srp_lex_entry *e = srp_lexicon_entry(lex, i);
        const char *k = srp_lexicon_key(lex, e);
        assert_ptr_equal(srp_lexicon_get(lex, srp_key_hash(k, e->key_len), k, e->key_len), e);
        /* the same hash with a shorter length never returns this entry */
        if (e->key_len > 1) {
            const srp_lex_entry *o = srp_lexicon_get(lex, srp_key_hash(k, e->key_len), k,
                                                     e->key_len - 1u);
            assert_true(o != e);
            shorter += o == NULL;
        }
    }
    assert_null(srp_lexicon_entry(lex, n));
    assert_true(shorter > n / 2);
    srp_lexicon_close(lex);
}

/* every phrase passes the filter of its first and last words, as the
 * tokenizer hashes them; most word pairs that begin and end no phrase do not */
static void test_phrase_ends_filter(void **state)
{
    (void)state;
    sr_error err;
    srp_lexicon *lex = srp_lexicon_open(NULL, &err);
    size_t n, phrases = 0, passed = 0, tried = 0;

    assert_non_null(lex);
    srp_lexicon_counts(lex, &n, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        const srp_lex_entry *e = srp_lexicon_entry(lex, i);
        const char *k = srp_lexicon_key(lex, e);
        unsigned words = 1, nt = 0;
        uint32_t first = 0, last = 0;
        srp_tokenizer t;
        srp_token tok;

        if ((e->eflags & SRP_E_RAW) || memchr(k, ' ', e->key_len) == NULL)
            continue;
        for (unsigned j = 0; j < e->key_len; j++)
            words += k[j] == ' ';
        /* an elision is written joined ("i' m" is the key of "I'm") */
        char buf[256];
        size_t bl = 0;
        for (unsigned j = 0; j < e->key_len && bl < sizeof(buf); j++)
            if (!(k[j] == ' ' && j > 0 && (k[j - 1] == '\'' || (j > 1 && (unsigned char)k[j - 1] == 0x99 &&
                                                                    (unsigned char)k[j - 2] == 0x80))))
                buf[bl++] = k[j];
        /* and one that ends the key is followed by a word ("d'" of "d'acheter") */
        const int open_end = bl > 0 && bl < sizeof(buf) && buf[bl - 1] == '\'';
        if (open_end)
            buf[bl++] = 'a';
        srp_tok_init(&t, buf, bl, NULL, NULL);
        uint32_t before = 0;
        while (srp_tok_next(&t, &tok)) {
            if (tok.type != SRP_TOK_WORD && tok.type != SRP_TOK_NUMBER)
                continue;
            if (nt++ == 0)
                first = tok.hash;
            before = last;
            last = tok.hash;
        }
        if (open_end) {
            nt--;
            last = before;
        }
        if (nt != words)
            continue;   /* a key the tokenizer reads otherwise ("o'clock") */
        phrases++;
        assert_true(srp_lexicon_maybe_phrase(lex, first, last, words));
    }
    assert_true(phrases > 10000);
    /* every one-word key with records passes the filter of word lengths */
    size_t wordsn = 0;
    for (size_t i = 0; i < n; i++) {
        const srp_lex_entry *e = srp_lexicon_entry(lex, i);
        const char *k = srp_lexicon_key(lex, e);
        if (e->key_len < 3 || e->nrec == 0 || memchr(k, ' ', e->key_len) != NULL)
            continue;
        wordsn++;
        assert_true(srp_lexicon_word_lengths(lex, k) >> (e->key_len < 31 ? e->key_len : 31) & 1);
    }
    assert_true(wordsn > 20000);
    /* and it refuses most lengths: fewer than 8 of 29 per prefix on average */
    size_t bits = 0;
    for (size_t i = 0; i < (1u << SRP_WLENS_BITS_LOG2); i++)
        bits += (size_t)__builtin_popcount(lex->wlens[i]);
    assert_true(bits < 8u * (1u << SRP_WLENS_BITS_LOG2));
    /* pairs of unrelated words */
    for (uint32_t a = 1; a <= 100; a++)
        for (uint32_t b = 1; b <= 10; b++) {
            tried++;
            passed += (size_t)srp_lexicon_maybe_phrase(lex, srp_hash("zzq", 3) * a,
                                                       srp_hash("qqz", 3) * b, 2);
        }
    assert_true(passed < tried / 5);
    srp_lexicon_close(lex);
}

static void test_damaged_lexicon_is_refused(void **state)
{
    (void)state;
    size_t n = embedded_len();
    unsigned char *copy = aligned_alloc(16, (n + 15) & ~(size_t)15);
    sr_error err;
    srp_lexicon *lex;

    assert_non_null(copy);
    memcpy(copy, srp_lexdata, n);
    lex = srp_lexicon_from_memory(copy, n, &err);
    assert_non_null(lex);
    srp_lexicon_close(lex);

    /* a flipped byte anywhere after the header breaks the checksum */
    copy[n / 2] ^= 0x40;
    assert_null(srp_lexicon_from_memory(copy, n, &err));
    assert_int_equal(err.code, SR_EFORMAT);
    copy[n / 2] ^= 0x40;
    /* truncation */
    assert_null(srp_lexicon_from_memory(copy, n - 8, &err));
    assert_int_equal(err.code, SR_EFORMAT);
    /* bad magic */
    copy[0] ^= 1;
    assert_null(srp_lexicon_from_memory(copy, n, &err));
    copy[0] ^= 1;
    /* tiny buffers */
    assert_null(srp_lexicon_from_memory(copy, 3, &err));
    free(copy);
}

/* a lexicon of another format (the previous one held 16-bit entry
 * indexes) is refused with a message that says what to do */
static void test_other_format_is_refused_clearly(void **state)
{
    (void)state;
    size_t n = embedded_len();
    unsigned char *copy = aligned_alloc(16, (n + 15) & ~(size_t)15);
    srp_lex_header h;
    sr_error err;

    assert_non_null(copy);
    memcpy(copy, srp_lexdata, n);
    memcpy(&h, copy, sizeof(h));
    h.version = SRP_LEX_VERSION - 1;
    memcpy(copy, &h, sizeof(h));
    assert_null(srp_lexicon_from_memory(copy, n, &err));
    assert_int_equal(err.code, SR_EFORMAT);
    char want[64];
    snprintf(want, sizeof(want), "lexicon format %u, this library reads format %u", SRP_LEX_VERSION - 1,
             SRP_LEX_VERSION);
    assert_non_null(strstr(err.msg, want));
    assert_non_null(strstr(err.msg, "srlexc"));
    free(copy);
}

/* a slot that would send a lookup outside the entries is refused even
 * under a valid checksum: an empty index with a tag, an index past the
 * last entry */
static void test_bad_slot_is_refused(void **state)
{
    (void)state;
    size_t n = embedded_len();
    unsigned char *copy = aligned_alloc(16, (n + 15) & ~(size_t)15);
    srp_lex_header h;
    srp_lex_slot *slots, *empty = NULL, *full = NULL;
    sr_error err;

    assert_non_null(copy);
    memcpy(copy, srp_lexdata, n);
    memcpy(&h, copy, sizeof(h));
    slots = (srp_lex_slot *)(void *)(copy + h.slots_off);
    for (uint32_t i = 0; i < h.nslots && (empty == NULL || full == NULL); i++) {
        if (slots[i] == 0 && empty == NULL)
            empty = &slots[i];
        if (slots[i] != 0 && full == NULL)
            full = &slots[i];
    }
    assert_non_null(empty);
    assert_non_null(full);
    const srp_lex_slot was = *full;

    *empty = ~SRP_LEX_ENTRY_MASK;   /* a tag, entry 0 */
    h.checksum = srp_hash(copy + sizeof(h), n - sizeof(h));
    memcpy(copy, &h, sizeof(h));
    assert_null(srp_lexicon_from_memory(copy, n, &err));
    assert_int_equal(err.code, SR_EFORMAT);
    assert_non_null(strstr(err.msg, "points outside"));
    *empty = 0;

    *full = (was & ~SRP_LEX_ENTRY_MASK) | (h.nentries + 1);
    h.checksum = srp_hash(copy + sizeof(h), n - sizeof(h));
    memcpy(copy, &h, sizeof(h));
    assert_null(srp_lexicon_from_memory(copy, n, &err));
    assert_non_null(strstr(err.msg, "points outside"));

    *full = was;   /* and the copy is good again */
    h.checksum = srp_hash(copy + sizeof(h), n - sizeof(h));
    memcpy(copy, &h, sizeof(h));
    srp_lexicon *lex = srp_lexicon_from_memory(copy, n, &err);
    assert_non_null(lex);
    srp_lexicon_close(lex);
    free(copy);
}

static void test_lexicon_file_is_mapped_and_checked(void **state)
{
    (void)state;
    char path[] = "/tmp/srlex.XXXXXX";
    int fd = mkstemp(path);
    sr_error err;
    srp_lexicon *lex;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, srp_lexdata, embedded_len()), (ssize_t)embedded_len());
    close(fd);
    lex = srp_lexicon_open(path, &err);
    assert_non_null(lex);
    srp_lexicon_close(lex);
    /* garbage file */
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_int_equal(write(fd, "not a lexicon at all, sorry............................", 56), 56);
    close(fd);
    assert_null(srp_lexicon_open(path, &err));
    assert_int_equal(err.code, SR_EFORMAT);
    assert_non_null(strstr(err.where, path));
    unlink(path);
    assert_null(srp_lexicon_open("/nonexistent.lex", &err));
    assert_int_equal(err.code, SR_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_embedded_lexicon_opens),
        cmocka_unit_test(test_lookup_finds_words_and_records),
        cmocka_unit_test(test_every_entry_finds_itself),
        cmocka_unit_test(test_phrase_ends_filter),
        cmocka_unit_test(test_damaged_lexicon_is_refused),
        cmocka_unit_test(test_other_format_is_refused_clearly),
        cmocka_unit_test(test_bad_slot_is_refused),
        cmocka_unit_test(test_lexicon_file_is_mapped_and_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
