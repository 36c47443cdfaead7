/*
 * quote.c - drop quoted replies and signatures from a customer's mail
 *
 * Line-based heuristics after GitHub's email_reply_parser and mailgun's
 * talon (see reference/mail-parsing.md), with the localized quote headers
 * of our five languages (talon lacks Spanish): cut at the first quote
 * header, drop '>' lines, cut a trailing signature and phone footer.  Never
 * leaves an empty text when there were words: then the original stays.
 */
#include "build-config.h"

#include "extract.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct line {
    size_t start, end;   /* [start, end) without the line end */
} line;

/* "On <date>, <name> wrote:" and its translations: how the line starts and
 * a verb it must contain; the line (or the up to three lines joined) ends
 * with ':'. */
static const struct {
    const char *prefix;
    const char *verb;
} quote_headers[] = {
    {"On ", "wrote"},        {"Am ", "schrieb"},      {"Le ", "crit"},
    {"El ", "escribi"},      {"W dniu ", "pisze"},    {"W dniu ", "napisa"},
    {"Il ", "ha scritto"},   {"Op ", "schreef"},      {"Em ", "escreveu"},
    {"Den ", "skrev"},       {"P\xc3\xa5 ", "skrev"}, {"Dnia ", "napisa"},
};

/* verbs that end a "<name> <address> wrote:" line without a leading word */
static const char *const bare_verbs[] = {
    "wrote:", "schrieb:", "a \xc3\xa9" "crit :", "a \xc3\xa9" "crit:", "escribi\xc3\xb3:",
    "napisa\xc5\x82(a):", "napisa\xc5\x82:", "napisa\xc5\x82" "a:", "pisze:", "ha scritto:",
};

/* markers of a forwarded or replied-to original */
static const char *const original_markers[] = {
    "original message",
    "ursprüngliche nachricht",
    "message d'origine",
    "mensaje original",
    "wiadomość oryginalna",
    "oryginalna wiadomość",
    "messaggio originale",
    "oorspronkelijk bericht",
    "reply message",
};

/* keys of an Outlook header block: From first, then one of the others */
static const char *const from_keys[] = {"From", "Von", "De", "Od", "Van", "Fra", "Från", "Da"};
static const char *const block_keys[] = {
    "Sent",    "Date",   "To",     "Subject", "Cc",     "Gesendet", "Datum",  "An",
    "Betreff", "Envoyé", "Objet",  "À",       "Enviado", "Fecha",   "Para",   "Asunto",
    "Wysłano", "Data",   "Do",     "Temat",   "Inviato", "Oggetto", "Verzonden", "Onderwerp",
};

/* footers phones and webmailers add */
static const char *const footers[] = {
    "Sent from my ",       "Sent from Mail for",  "Sent from Outlook",   "Get Outlook for ",
    "Von meinem ",         "Gesendet von ",       "Envoyé de mon ",      "Envoyé depuis ",
    "Enviado desde mi ",   "Enviado desde ",      "Wysłane z ",          "Inviato da ",
};

/* closings that begin a sign-off block ("Best,\nJohn Smith\nACME"): a
 * formula, not the customer's words (the lexicon knows them too, for chat) */
static const char *const closings[] = {
    "Best regards", "Kind regards", "Kindest regards", "Warm regards", "Warmest regards",
    "Regards", "Best wishes", "All the best", "Best", "Cheers", "Sincerely",
    "Yours sincerely", "Yours faithfully", "Yours truly",
    "Mit freundlichen Gr\xc3\xbc\xc3\x9f" "en", "Mit freundlichem Gru\xc3\x9f",
    "Freundliche Gr\xc3\xbc\xc3\x9f" "e", "Viele Gr\xc3\xbc\xc3\x9f" "e",
    "Beste Gr\xc3\xbc\xc3\x9f" "e", "Liebe Gr\xc3\xbc\xc3\x9f" "e",
    "Herzliche Gr\xc3\xbc\xc3\x9f" "e", "Sch\xc3\xb6ne Gr\xc3\xbc\xc3\x9f" "e",
    "Gr\xc3\xbc\xc3\x9f" "e", "Gru\xc3\x9f", "MfG", "LG", "VG",
    "Bien cordialement", "Cordialement", "Bien \xc3\xa0 vous", "Sinc\xc3\xa8res salutations",
    "Meilleures salutations", "Salutations",
    "Saludos cordiales", "Un cordial saludo", "Un saludo", "Saludos", "Atentamente",
    "Pozdrawiam serdecznie", "Serdecznie pozdrawiam", "Pozdrawiam", "Z powa\xc5\xbc" "aniem",
    "Z pozdrowieniami", "Pozdrowienia",
};

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* trim - shrink [*s, *e) by white space on both sides */
static void trim(const char *t, size_t *s, size_t *e)
{
    while (*s < *e && is_space((unsigned char)t[*s]))
        (*s)++;
    while (*e > *s && is_space((unsigned char)t[*e - 1]))
        (*e)--;
}

/* starts_ci - does t[s..e) start with p (ASCII case-insensitive)? */
static int starts_ci(const char *t, size_t s, size_t e, const char *p)
{
    size_t n = strlen(p);
    return e - s >= n && strncasecmp(t + s, p, n) == 0;
}

/* contains_ci - does t[s..e) contain p (ASCII case-insensitive)? */
static int contains_ci(const char *t, size_t s, size_t e, const char *p)
{
    size_t n = strlen(p);

    for (size_t i = s; i + n <= e; i++)
        if (strncasecmp(t + i, p, n) == 0)
            return 1;
    return 0;
}

/* ends_ci - does t[s..e) end with p? */
static int ends_ci(const char *t, size_t s, size_t e, const char *p)
{
    size_t n = strlen(p);
    return e - s >= n && strncasecmp(t + e - n, p, n) == 0;
}

/* split - the lines of t; returns how many (a NULL *out on ENOMEM) */
static size_t split(const char *t, size_t len, line **out)
{
    size_t n = 1, k = 0, s = 0;
    const char *p = t, *end = t + len, *nl;

    while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        n++;
        p = nl + 1;
    }
    *out = malloc(n * sizeof(**out));
    if (*out == NULL)
        return 0;
    for (p = t;; p = nl + 1) {
        size_t e;
        nl = memchr(p, '\n', (size_t)(end - p));
        e = nl ? (size_t)(nl - t) : len;
        s = (size_t)(p - t);
        (*out)[k].start = s;
        (*out)[k].end = e > s && t[e - 1] == '\r' ? e - 1 : e;
        k++;
        if (nl == NULL)
            break;
    }
    return k;
}

/* is_key_line - "Key: ..." (optionally "*Key:*") for one of keys */
static int is_key_line(const char *t, size_t s, size_t e, const char *const *keys, size_t nkeys)
{
    trim(t, &s, &e);
    if (s < e && t[s] == '*')
        s++;
    for (size_t k = 0; k < nkeys; k++) {
        size_t n = strlen(keys[k]);
        if (e - s > n && strncasecmp(t + s, keys[k], n) == 0) {
            size_t p = s + n;
            while (p < e && t[p] == ' ')  /* French "Objet :" */
                p++;
            if (p < e && t[p] == '*')
                p++;
            if (p < e && t[p] == ':')
                return 1;
        }
    }
    return 0;
}

/* is_rule - a line of at least 10 '_' or '-' (Outlook's separator) */
static int is_rule(const char *t, size_t s, size_t e)
{
    trim(t, &s, &e);
    if (e - s < 10)
        return 0;
    for (size_t i = s; i < e; i++)
        if (t[i] != '_' && t[i] != '-')
            return 0;
    return 1;
}

static int has_digit(const char *t, size_t s, size_t e)
{
    for (size_t i = s; i < e; i++)
        if (t[i] >= '0' && t[i] <= '9')
            return 1;
    return 0;
}

/* quote_header_at - does a quote header start at line i?  The header may
 * be wrapped over up to three lines (Gmail wraps long ones). */
static int quote_header_at(const char *t, const line *ln, size_t n, size_t i)
{
    size_t s = ln[i].start, e = ln[i].end;

    trim(t, &s, &e);
    if (s == e)
        return 0;
    /* the cheap tests first: this runs for every line of every message */
    if (e - s < 80 && (t[s] == '-' || t[s] == '_' || t[s] == '*' || t[s] == '='))
        for (size_t k = 0; k < sizeof(original_markers) / sizeof(*original_markers); k++)
            if (contains_ci(t, s, e, original_markers[k]))
                return 1;
    for (size_t k = 0; k < sizeof(quote_headers) / sizeof(*quote_headers); k++) {
        if ((t[s] | 0x20) != (quote_headers[k].prefix[0] | 0x20) ||
            !starts_ci(t, s, e, quote_headers[k].prefix))
            continue;
        /* join this line with up to two more until one ends with ':' */
        for (size_t j = i; j < n && j < i + 3; j++) {
            size_t js = ln[j].start, je = ln[j].end;
            trim(t, &js, &je);
            if (js == je)
                break;
            if (t[je - 1] == ':' && contains_ci(t, s, je, quote_headers[k].verb) &&
                je - s < 400)
                return 1;
        }
    }
    /* every bare verb ends with ':' */
    if (t[e - 1] == ':' && e - s < 200 &&
        (memchr(t + s, '@', e - s) != NULL || has_digit(t, s, e))) {
        for (size_t k = 0; k < sizeof(bare_verbs) / sizeof(*bare_verbs); k++)
            if (ends_ci(t, s, e, bare_verbs[k]))
                return 1;
    }
    /* Outlook: From: followed by Sent:/To:/Subject: within four lines
     * (keys are short: the ':' comes within 32 bytes) */
    if (memchr(t + s, ':', e - s < 32 ? e - s : 32) != NULL &&
        is_key_line(t, ln[i].start, ln[i].end, from_keys, sizeof(from_keys) / sizeof(*from_keys))) {
        for (size_t j = i + 1; j < n && j <= i + 4; j++)
            if (is_key_line(t, ln[j].start, ln[j].end, block_keys,
                            sizeof(block_keys) / sizeof(*block_keys)))
                return 1;
    }
    return 0;
}

/* is_quoted - a line whose first non-blank character is '>' */
static int is_quoted(const char *t, const line *l)
{
    size_t s = l->start, e = l->end;
    trim(t, &s, &e);
    return s < e && t[s] == '>';
}

static int is_blank(const char *t, const line *l)
{
    size_t s = l->start, e = l->end;
    trim(t, &s, &e);
    return s == e;
}

/* is_sig_delim - "-- " (RFC 3676) or "--" */
static int is_sig_delim(const char *t, const line *l)
{
    size_t len = l->end - l->start;
    const char *p = t + l->start;
    return (len == 3 && memcmp(p, "-- ", 3) == 0) || (len == 2 && memcmp(p, "--", 2) == 0);
}

/* is_closing - the line is a closing alone ("Best,", "Cheers!") or with a
 * short name after a comma ("Best regards, John") */
static int is_closing(const char *t, const line *l)
{
    size_t s = l->start, e = l->end;

    trim(t, &s, &e);
    for (size_t k = 0; k < sizeof(closings) / sizeof(*closings); k++) {
        size_t n = strlen(closings[k]);
        if (e - s < n || strncasecmp(t + s, closings[k], n) != 0)
            continue;
        size_t r = s + n;
        if (r == e || ((t[r] == '!' || t[r] == '.') && r + 1 == e) ||
            (t[r] == ',' && e - r <= 40))
            return 1;
    }
    return 0;
}

static int is_footer(const char *t, const line *l)
{
    size_t s = l->start, e = l->end;
    trim(t, &s, &e);
    for (size_t k = 0; k < sizeof(footers) / sizeof(*footers); k++)
        if (starts_ci(t, s, e, footers[k]) && e - s < 120)
            return 1;
    return 0;
}

/* srm_strip_quotes - see extract.h */
size_t srm_strip_quotes(char *text, size_t len, unsigned *notes)
{
    line *ln;
    size_t n = split(text, len, &ln), cut, keep_n = 0, o = 0;
    unsigned found = 0;
    char *out;

    if (ln == NULL)
        return len;
    /* 1. the first quote header: everything from there on is history */
    cut = n;
    for (size_t i = 0; i < n; i++) {
        if (quote_header_at(text, ln, n, i)) {
            cut = i;
            /* take an Outlook rule line just above along */
            for (size_t b = i; b > 0 && b + 3 > i; b--) {
                if (is_rule(text, ln[b - 1].start, ln[b - 1].end)) {
                    cut = b - 1;
                    break;
                }
                if (!is_blank(text, &ln[b - 1]))
                    break;
            }
            found |= SRM_NOTE_QUOTE;
            break;
        }
    }
    /* 2. '>' lines anywhere above the cut */
    line *kept = malloc((cut ? cut : 1) * sizeof(*kept));
    if (kept == NULL) {
        free(ln);
        return len;
    }
    for (size_t i = 0; i < cut; i++) {
        if (is_quoted(text, &ln[i])) {
            found |= SRM_NOTE_QUOTE;
            continue;
        }
        kept[keep_n++] = ln[i];
    }
    /* 3. the signature: after the last "-- " line, if it is near the end */
    for (size_t i = keep_n; i > 0; i--) {
        if (is_sig_delim(text, &kept[i - 1])) {
            if (keep_n - i <= 20) {
                keep_n = i - 1;
                found |= SRM_NOTE_SIGNATURE;
            }
            break;
        }
    }
    /* 4. trailing blank lines and phone footers */
    for (;;) {
        while (keep_n > 0 && is_blank(text, &kept[keep_n - 1]))
            keep_n--;
        if (keep_n > 0 && is_footer(text, &kept[keep_n - 1])) {
            keep_n--;
            found |= SRM_NOTE_SIGNATURE;
            continue;
        }
        break;
    }
    /* 5. a sign-off: a closing and at most four short lines (name, title,
     * company) at the end */
    for (size_t i = keep_n, tail = 0; i > 0 && tail <= 4; i--) {
        const line *l = &kept[i - 1];
        if (is_blank(text, l))
            continue;
        if (is_closing(text, l)) {
            if (i > 1) {   /* never the whole message */
                keep_n = i - 1;
                found |= SRM_NOTE_SIGNATURE;
                while (keep_n > 0 && is_blank(text, &kept[keep_n - 1]))
                    keep_n--;
            }
            break;
        }
        if (l->end - l->start > 60)
            break;
        tail++;
    }
    free(ln);
    if (keep_n == 0 || found == 0) {
        if (found)
            *notes |= SRM_NOTE_ALLQUOTED;
        free(kept);
        return len;
    }
    /* leading blank lines too; then is anything left? */
    size_t first = 0;
    while (first < keep_n && is_blank(text, &kept[first]))
        first++;
    if (first == keep_n) {
        *notes |= SRM_NOTE_ALLQUOTED;
        free(kept);
        return len;
    }
    out = malloc(len + 1);
    if (out == NULL) {
        free(kept);
        return len;
    }
    for (size_t i = first; i < keep_n; i++) {
        size_t l = kept[i].end - kept[i].start;
        memcpy(out + o, text + kept[i].start, l);
        o += l;
        if (i + 1 < keep_n)
            out[o++] = '\n';
    }
    memcpy(text, out, o);
    text[o] = '\0';
    free(out);
    free(kept);
    *notes |= found;
    return o;
}
