/*
 * words.c - yes/no answers and bare requests for a person in en, de, fr,
 * es and pl; the per-visitor token bucket
 *
 * A chat answer to "shall I connect you?" is short and informal: "ja
 * bitte", "non merci", "Sí!", "tak", "nope", "👍".  The first word or two
 * decide; fillers ("well", "hmm", "euh") are skipped.  Words are compared
 * after folding ASCII, Latin-1 and the Polish letters to lower case.
 */
#include "build-config.h"

#include "srx.h"

#include <string.h>

#define TOK_MAX 8
#define TOK_LEN 32

/* fold - append one UTF-8 character at s to out (len, cap), lower-cased
 * when it is an ASCII, Latin-1 or Polish capital; returns bytes read */
static size_t fold(const unsigned char *s, char *out, size_t *len, size_t cap)
{
    unsigned c = s[0], cp;

    if (c < 0x80) {
        if (*len + 1 < cap)
            out[(*len)++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        return 1;
    }
    /* is_letter() let only complete two-byte sequences through */
    cp = ((c & 0x1F) << 6) | (s[1] & 0x3F);
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
        cp += 0x20;                                       /* Latin-1 capitals */
    else if (cp == 0x104 || cp == 0x106 || cp == 0x118 || cp == 0x15A || cp == 0x141 ||
             cp == 0x143 || cp == 0x179 || cp == 0x17B)
        cp += 1;                                          /* Ą Ć Ę Ś Ł Ń Ź Ż */
    if (*len + 2 < cap) {
        out[(*len)++] = (char)(0xC0 | (cp >> 6));
        out[(*len)++] = (char)(0x80 | (cp & 0x3F));
    }
    return 2;
}

/* is_letter - does a word go on at s? ASCII letters and digits, and
 * two-byte UTF-8 letters (not C2: Latin-1 punctuation such as « ¡ ¿) */
static int is_letter(const unsigned char *s)
{
    if ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
        (s[0] >= '0' && s[0] <= '9'))
        return 1;
    return s[0] >= 0xC3 && s[0] <= 0xDF && s[1] >= 0x80 && s[1] < 0xC0;
}

/* tokens - the first TOK_MAX words of text, folded; *total counts all */
static size_t tokens(const char *text, char tok[TOK_MAX][TOK_LEN], size_t *total)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = 0;

    *total = 0;
    while (*s) {
        char word[TOK_LEN];
        size_t len = 0;
        if (!is_letter(s)) {
            /* skip one character: punctuation, emoji, symbols */
            size_t k = (*s >= 0xF0) ? 4 : (*s >= 0xE0) ? 3 : (*s >= 0xC0) ? 2 : 1;
            while (k-- > 0 && *s)
                s++;
            continue;
        }
        /* an apostrophe or hyphen inside a word belongs to it (d'accord) */
        while (*s && (is_letter(s) || ((*s == '\'' || *s == '-') && is_letter(s + 1))))
            s += fold(s, word, &len, sizeof(word));
        word[len] = '\0';
        if (n < TOK_MAX)
            memcpy(tok[n++], word, len + 1);
        (*total)++;
    }
    return n;
}

static int in(const char *w, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(w, *list) == 0)
            return 1;
    return 0;
}

static const char *const yes_words[] = {
    "yes", "y", "yeah", "yea", "yep", "yup", "ya", "sure", "ok", "okay", "okey", "k", "please",
    "pls", "plz", "absolutely", "definitely", "certainly", "alright", "connect",
    "ja", "jawohl", "jo", "jep", "gerne", "gern", "klar", "bitte", "genau", "natürlich",
    "oui", "ouais", "ouai", "volontiers", "d'accord", "dac", "daccord", "certes", "évidemment",
    "sí", "si", "claro", "vale", "porfa", "dale", "venga", "bueno",
    "tak", "jasne", "pewnie", "oczywiście", "chętnie", "dobrze", "poproszę", "proszę",
    NULL};
static const char *const no_words[] = {
    "no", "n", "nope", "nah", "nay", "never", "not", "cancel", "stop", "later",
    "nein", "nee", "ne", "nö", "nicht", "abbrechen", "später",
    "non", "nan", "pas", "annuler", "jamais",
    "cancelar", "nunca",
    "nie", "anuluj", "później",
    NULL};
static const char *const fillers[] = {
    "well", "hmm", "hm", "oh", "ah", "uh", "um", "i", "think", "äh", "also", "naja", "euh", "ben",
    "bah", "eh", "pues", "mmm", "yyy", "cóż", "hmmm", NULL};
/* two-word answers whose first word alone would mislead ("of course") */
static const struct {
    const char *a, *b;
    srx_answer v;
} pairs[] = {{"of", "course", SRX_YES},     {"go", "ahead", SRX_YES},
             {"na", "klar", SRX_YES},       {"bien", "sûr", SRX_YES},
             {"por", "favor", SRX_YES},     {"por", "supuesto", SRX_YES},
             {"no", "problem", SRX_YES},
             {"why", "not", SRX_YES},       {"warum", "nicht", SRX_YES},
             {"not", "now", SRX_NO},        {"no", "thanks", SRX_NO},
             {"nein", "danke", SRX_NO},     {"non", "merci", SRX_NO},
             {"no", "gracias", SRX_NO},     {"nie", "dziękuję", SRX_NO}};

/* srx_yesno - classify a short answer */
srx_answer srx_yesno(const char *text)
{
    char tok[TOK_MAX][TOK_LEN];
    size_t total, n = text ? tokens(text, tok, &total) : 0, i = 0, looked = 0;

    if (text == NULL)
        return SRX_UNCLEAR;
    if (n == 0) {
        /* emoji-only answers */
        if (strstr(text, "\xF0\x9F\x91\x8D") || strstr(text, "\xE2\x9C\x85"))
            return SRX_YES;   /* thumbs up, check mark */
        if (strstr(text, "\xF0\x9F\x91\x8E") || strstr(text, "\xE2\x9D\x8C"))
            return SRX_NO;    /* thumbs down, cross mark */
        return SRX_UNCLEAR;
    }
    while (i < n && in(tok[i], fillers))
        i++;
    for (; i < n && looked < 2; i++, looked++) {
        if (i + 1 < n)
            for (size_t p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++)
                if (strcmp(tok[i], pairs[p].a) == 0 && strcmp(tok[i + 1], pairs[p].b) == 0)
                    return pairs[p].v;
        if (in(tok[i], yes_words))
            return SRX_YES;
        if (in(tok[i], no_words))
            return SRX_NO;
    }
    return SRX_UNCLEAR;
}

static const char *const person_words[] = {
    "agent", "agents", "human", "humans", "person", "operator", "representative", "rep",
    "someone", "somebody", "staff", "support",
    "mitarbeiter", "mitarbeiterin", "mensch", "menschen", "berater", "beraterin",
    "kundenberater", "servicemitarbeiter", "kundendienst",
    "conseiller", "conseillère", "humain", "opérateur", "opératrice", "quelqu'un",
    "agente", "persona", "humano", "operador", "operadora", "asesor", "asesora",
    "konsultant", "konsultanta", "konsultantem", "konsultantka", "człowiek", "człowiekiem",
    "doradca", "doradcą", "operatora", NULL};

/* srx_wants_person - "agent", "human please", "Mitarbeiter bitte" */
int srx_wants_person(const char *text)
{
    char tok[TOK_MAX][TOK_LEN];
    size_t total, n;

    if (text == NULL)
        return 0;
    n = tokens(text, tok, &total);
    if (total == 0 || total > 4)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (in(tok[i], person_words))
            return 1;
    return 0;
}

/* srx_bucket_take - token bucket: rate per second, up to burst */
int srx_bucket_take(srx_bucket *b, double rate, double burst, double now)
{
    if (b->last == 0) {
        b->tokens = burst;
        b->last = now;
    }
    if (now > b->last) {
        b->tokens += (now - b->last) * rate;
        if (b->tokens > burst)
            b->tokens = burst;
    }
    b->last = now;   /* a clock going back refills nothing */
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return 1;
    }
    return 0;
}
