/*
 * lexicon.c - open, validate and query a compiled lexicon
 */
#include "build-config.h"

#include "lexicon.h"

#include "internal.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int in_bounds(size_t off, size_t count, size_t size, size_t total)
{
    if (off > total)
        return 0;
    if (count != 0 && size > (total - off) / count)
        return 0;
    return 1;
}

/* validate - check every offset and index so lookups need no checks; the
 * checksum is skipped for the embedded lexicon (it is part of the binary) */
/* phrase_ends - mark the first and last words of phrase e in lex->pends */
static void phrase_ends(srp_lexicon *lex, const srp_lex_entry *e)
{
    const char *k = lex->strings + e->key_off;
    size_t len = e->key_len, first = 0, last = 0;
    unsigned n = 1;

    while (first < len && k[first] != ' ')
        first++;
    for (size_t i = 0; i < len; i++)
        if (k[i] == ' ') {
            n++;
            last = i + 1;
        }
    uint32_t b = srp_phrase_ends_bit(srp_hash(k, first), srp_hash(k + last, len - last), n);
    lex->pends[b >> 6] |= 1ull << (b & 63);
}

static int validate(srp_lexicon *lex, int checksum, sr_error *err)
{
    const srp_lex_header *h;
    size_t total = lex->len;

    if (total < sizeof(*h))
        return srp_error(err, SR_EFORMAT, 0, "lexicon", "file too short for a lexicon header");
    h = (const srp_lex_header *)lex->base;
    if (memcmp(h->magic, SRP_LEX_MAGIC, 8) != 0)
        return srp_error(err, SR_EFORMAT, 0, "lexicon", "not a sentiroute lexicon (bad magic)");
    if (h->endian != SRP_LEX_ENDIAN)
        return srp_error(err, SR_EFORMAT, 0, "lexicon", "lexicon built for another byte order");
    if (h->version != SRP_LEX_VERSION)
        return srp_error(err, SR_EFORMAT, 0, "lexicon",
                         "lexicon format %u, this library reads format %u only: compile the "
                         "lists again with this version's srlexc",
                         (unsigned)h->version, SRP_LEX_VERSION);
    if (h->total_len != total)
        return srp_error(err, SR_EFORMAT, 0, "lexicon", "lexicon length %u, file has %zu",
                         (unsigned)h->total_len, total);
    if (h->nslots == 0 || (h->nslots & (h->nslots - 1)) != 0 || h->nentries >= h->nslots ||
        h->nentries > SRP_LEX_MAX_ENTRIES)
        return srp_error(err, SR_EFORMAT, 0, "lexicon", "bad slot count");
    if (h->bloom_bits_log2 < 6 || h->bloom_bits_log2 > 26)
        return srp_error(err, SR_EFORMAT, 0, "lexicon", "bad bloom size");
    if (!in_bounds(h->slots_off, h->nslots, sizeof(srp_lex_slot), total) ||
        !in_bounds(h->entries_off, h->nentries, sizeof(srp_lex_entry), total) ||
        !in_bounds(h->recs_off, h->nrecs, sizeof(srp_lex_rec), total) ||
        !in_bounds(h->bloom_off, (size_t)1 << (h->bloom_bits_log2 - 3), 1, total) ||
        !in_bounds(h->strings_off, h->strings_len, 1, total))
        return srp_error(err, SR_EFORMAT, 0, "lexicon", "section outside the file");
    if (h->stemf_bits_log2 < 6 || h->stemf_bits_log2 > 20 || h->stemf_off % 8 != 0 ||
        !in_bounds(h->stemf_off, (size_t)1 << h->stemf_bits_log2, sizeof(uint32_t), total))
        return srp_error(err, SR_EFORMAT, 0, "lexicon", "bad stem prefix filter");
    if ((h->slots_off | h->recs_off | h->bloom_off) % 8 != 0 || h->entries_off % 64 != 0)
        return srp_error(err, SR_EFORMAT, 0, "lexicon", "misaligned section");
    if (checksum && srp_hash(lex->base + sizeof(*h), total - sizeof(*h)) != h->checksum)
        return srp_error(err, SR_EFORMAT, 0, "lexicon", "checksum mismatch (damaged file)");

    lex->hdr = h;
    lex->slots = (const srp_lex_slot *)(lex->base + h->slots_off);
    lex->entries = (const srp_lex_entry *)(lex->base + h->entries_off);
    lex->recs = (const srp_lex_rec *)(lex->base + h->recs_off);
    lex->bloom = (const uint64_t *)(lex->base + h->bloom_off);
    lex->stemf = (const uint32_t *)(lex->base + h->stemf_off);
    lex->strings = (const char *)(lex->base + h->strings_off);
    lex->mask = h->nslots - 1;
    lex->bloom_mask = (1u << h->bloom_bits_log2) - 1;
    lex->stemf_bits_log2 = h->stemf_bits_log2;

    /* a lookup stops at a slot that is all zero and reads the entry of
     * any other whose tag matches */
    for (uint32_t i = 0; i < h->nslots; i++)
        if (srp_lex_slot_entry(lex->slots[i]) > h->nentries ||
            (srp_lex_slot_entry(lex->slots[i]) == 0 && lex->slots[i] != 0))
            return srp_error(err, SR_EFORMAT, 0, "lexicon", "slot %u points outside", i);
    for (uint32_t i = 0; i < h->nentries; i++) {
        const srp_lex_entry *e = &lex->entries[i];
        if ((size_t)e->key_off + e->key_len > h->strings_len || e->key_len >= SRP_KEY_MAX * 4 ||
            e->nrec > SRP_NLANG ||
            (e->nrec > SRP_LEX_REC_INLINE && (size_t)e->rec_first + e->nrec > h->nrecs))
            return srp_error(err, SR_EFORMAT, 0, "lexicon", "entry %u points outside", i);
        if (memcmp(e->key, lex->strings + e->key_off,
                   e->key_len < SRP_LEX_KEY_INLINE ? e->key_len : SRP_LEX_KEY_INLINE) != 0)
            return srp_error(err, SR_EFORMAT, 0, "lexicon", "entry %u: key head differs", i);
        const srp_lex_rec *r = srp_lexicon_recs(lex, e);
        lex->nrecs += e->nrec;
        for (unsigned j = 0; j < e->nrec; j++) {
            if (r[j].lang >= SRP_NLANG)
                return srp_error(err, SR_EFORMAT, 0, "lexicon", "entry %u has a bad language", i);
            if (r[j].tags & SRP_T_STEM)
                lex->stem_langs |= 1u << r[j].lang;
        }
        if (memchr(lex->strings + e->key_off, ' ', e->key_len) != NULL) {
            if (!(e->eflags & SRP_E_RAW))
                phrase_ends(lex, e);
        } else if (e->key_len >= 3 && e->nrec > 0) {
            lex->wlens[srp_stemf_index(lex->strings + e->key_off, SRP_WLENS_BITS_LOG2)] |=
                1u << (e->key_len < 31 ? e->key_len : 31);
        }
        if ((e->eflags & SRP_E_RAW) && e->key_len > 0) {
            unsigned char c = (unsigned char)lex->strings[e->key_off];
            lex->emo_first[c >> 5] |= 1u << (c & 31);
            if (e->key_len >= 2) {
                unsigned pr = c | (unsigned)(unsigned char)lex->strings[e->key_off + 1] << 8;
                lex->emo_pair[pr >> 5] |= 1u << (pr & 31);
            }
        }
    }
    lex->any_num = srp_lexicon_get(lex, srp_key_hash("00", 2), "00", 2);
    if (lex->any_num != NULL &&
        !(lex->any_num->eflags & (SRP_E_PHRASE_START | SRP_E_PHRASE_END)))
        lex->any_num = NULL;
    lex->any_plens = lex->any_num != NULL ? lex->any_num->plens : 0u;
    lex->any_elens = lex->any_num != NULL ? lex->any_num->elens : 0u;
    return SR_OK;
}

static srp_lexicon *wrap(const void *buf, size_t len, int checksum, sr_error *err);

/* srp_lexicon_from_memory - wrap and validate a buffer */
srp_lexicon *srp_lexicon_from_memory(const void *buf, size_t len, sr_error *err)
{
    return wrap(buf, len, 1, err);
}

static srp_lexicon *wrap(const void *buf, size_t len, int checksum, sr_error *err)
{
    srp_lexicon *lex = calloc(1, sizeof(*lex));

    if (lex == NULL) {
        srp_error(err, SR_ENOMEM, ENOMEM, "lexicon", "out of memory");
        return NULL;
    }
    lex->base = buf;
    lex->len = len;
    if (((uintptr_t)buf & 7) != 0) {
        srp_error(err, SR_EFORMAT, 0, "lexicon", "lexicon buffer is not 8-byte aligned");
        free(lex);
        return NULL;
    }
    if (validate(lex, checksum, err) != SR_OK) {
        free(lex);
        return NULL;
    }
    return lex;
}

/* srp_lexicon_open - the embedded lexicon, or a file mapped read-only */
srp_lexicon *srp_lexicon_open(const char *path, sr_error *err)
{
    struct stat st;
    void *map;
    int fd;
    srp_lexicon *lex;

    if (path == NULL || *path == '\0')
        return wrap(srp_lexdata, (size_t)(srp_lexdata_end - srp_lexdata), 0, err);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        srp_error(err, SR_EIO, errno, path, "cannot open lexicon: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uint64_t)st.st_size > UINT32_MAX) {
        srp_error(err, SR_EFORMAT, errno, path, "lexicon is not a regular file of a sane size");
        close(fd);
        return NULL;
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        srp_error(err, SR_EIO, errno, path, "cannot map lexicon: %s", strerror(errno));
        return NULL;
    }
    lex = srp_lexicon_from_memory(map, (size_t)st.st_size, err);
    if (lex == NULL) {
        if (err)
            srp_strlcpy(err->where, path, sizeof(err->where));
        munmap(map, (size_t)st.st_size);
        return NULL;
    }
    lex->mapped = 1;
    return lex;
}

/* srp_lexicon_close - unmap and free */
void srp_lexicon_close(srp_lexicon *lex)
{
    if (lex == NULL)
        return;
    if (lex->mapped)
        munmap((void *)lex->base, lex->len);
    free(lex);
}

/* srp_lexicon_get_phrase - lookup of the phrase of n words by its
 * srp_phrase_hash: the words are compared one by one with the key */
const srp_lex_entry *srp_lexicon_get_phrase(const srp_lexicon *lex, uint32_t hash,
                                            const char *const *words, const unsigned *lens,
                                            unsigned n)
{
    uint32_t i = hash & lex->mask;
    size_t len = n - 1;

    for (unsigned w = 0; w < n; w++)
        len += lens[w];
    for (;;) {
        const srp_lex_slot s = lex->slots[i];
        if (s == 0)
            return NULL;
        if (srp_lex_slot_tag_is(s, hash)) {
            const srp_lex_entry *e = &lex->entries[srp_lex_slot_entry(s) - 1];
            if (e->key_len == len) {
                const char *k = lex->strings + e->key_off;
                unsigned w = 0;
                for (; w < n; w++) {
                    if (memcmp(k, words[w], lens[w]) != 0 ||
                        (w + 1 < n && k[lens[w]] != ' '))
                        break;
                    k += lens[w] + 1;
                }
                if (w == n)
                    return e;
            }
        }
        i = (i + 1) & lex->mask;
    }
}

const srp_lex_entry *srp_lexicon_entry(const srp_lexicon *lex, size_t i)
{
    return i < lex->hdr->nentries ? &lex->entries[i] : NULL;
}

const char *srp_lexicon_key(const srp_lexicon *lex, const srp_lex_entry *e)
{
    return lex->strings + e->key_off;
}

void srp_lexicon_counts(const srp_lexicon *lex, size_t *entries, size_t *recs, size_t *bytes)
{
    if (entries)
        *entries = lex->hdr->nentries;
    if (recs)
        *recs = lex->nrecs;
    if (bytes)
        *bytes = lex->len;
}
