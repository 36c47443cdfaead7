/*
 * sentiment.c - names of labels, flags and cue kinds; JSON output
 */
#include "build-config.h"

#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const label_names[SR_LABEL_COUNT] = {"neutral", "negative", "positive",
                                                        "urgent", "promoter"};

const char *sr_label_name(sr_label label)
{
    if ((unsigned)label >= SR_LABEL_COUNT)
        return "neutral";
    return label_names[label];
}

int sr_label_parse(const char *name)
{
    for (int i = 0; name && i < SR_LABEL_COUNT; i++)
        if (strcmp(name, label_names[i]) == 0)
            return i;
    return -1;
}

struct bit_name {
    unsigned bit;
    const char *name;
};

static const struct bit_name flag_names[] = {
    {SR_FLAG_THREATENING, "threatening"},  {SR_FLAG_OFFENSIVE, "offensive"},
    {SR_FLAG_URGENT_CUE, "urgent_cue"},    {SR_FLAG_HUMAN_REQUESTED, "human_requested"},
    {SR_FLAG_ADVOCACY, "advocacy"},        {SR_FLAG_TRUNCATED, "truncated"},
    {SR_FLAG_REPAIRED, "repaired"},
};

const char *sr_flag_name(unsigned flag)
{
    for (size_t i = 0; i < SR_ARRAY_LEN(flag_names); i++)
        if (flag_names[i].bit == flag)
            return flag_names[i].name;
    return NULL;
}

unsigned sr_flag_parse(const char *name)
{
    for (size_t i = 0; name && i < SR_ARRAY_LEN(flag_names); i++)
        if (strcmp(flag_names[i].name, name) == 0)
            return flag_names[i].bit;
    return 0;
}

/* names_format - "a,b,c": the names of the bits set, as snprintf counts */
static size_t names_format(unsigned bits, const struct bit_name *names, size_t nnames, char *buf,
                           size_t size)
{
    size_t o = 0;

    if (size > 0)
        buf[0] = '\0';
    for (size_t i = 0; i < nnames; i++) {
        if (!(bits & names[i].bit))
            continue;
        const char *n = names[i].name;
        size_t k = strlen(n) + (o > 0);
        if (o + k < size) {
            if (o > 0)
                buf[o] = ',';
            memcpy(buf + o + (o > 0), n, strlen(n) + 1);
        }
        o += k;
    }
    return o;
}

/* sr_flags_format - "a,b,c" */
size_t sr_flags_format(unsigned flags, char *buf, size_t size)
{
    return names_format(flags, flag_names, SR_ARRAY_LEN(flag_names), buf, size);
}

static const struct bit_name mod_names[] = {
    {SR_MOD_NEGATED, "negated"}, {SR_MOD_BOOSTED, "boosted"},   {SR_MOD_DAMPENED, "dampened"},
    {SR_MOD_CAPS, "caps"},       {SR_MOD_CONTRAST, "contrast"}, {SR_MOD_IRONY, "irony"}};

/* sr_cue_mods_format - "negated,caps" */
size_t sr_cue_mods_format(unsigned mods, char *buf, size_t size)
{
    return names_format(mods, mod_names, SR_ARRAY_LEN(mod_names), buf, size);
}

static const char *const cue_kind_names[] = {"word",   "emoji",  "punct",     "urgency",
                                             "threat", "advocacy", "human", "offensive"};

const char *sr_cue_kind_name(sr_cue_kind kind)
{
    if ((unsigned)kind >= SR_ARRAY_LEN(cue_kind_names))
        return "word";
    return cue_kind_names[kind];
}

/* out - an snprintf-style appender that keeps counting past the end */
typedef struct out {
    char *buf;
    size_t size, len;
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->len < o->size) {
        size_t room = o->size - o->len - 1;
        memcpy(o->buf + o->len, s, n < room ? n : room);
        o->buf[o->len + (n < room ? n : room)] = '\0';
    }
    o->len += n;
}

static void putf(out *o, const char *fmt, ...) SR_PRINTFLIKE(2, 3);
static void putf(out *o, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        put(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* put_json_string - a JSON string literal; input is valid UTF-8 */
static void put_json_string(out *o, const char *s)
{
    put(o, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            put(o, e, 2);
        } else if (c < 0x20 || c == 0x7f) {
            putf(o, "\\u%04x", c);
        } else {
            put(o, (const char *)&c, 1);
        }
    }
    put(o, "\"", 1);
}

/* sr_sentiment_format_json - one JSON object */
size_t sr_sentiment_format_json(const sr_sentiment *s, char *buf, size_t size)
{
    out o = {buf, size, 0};
    int first = 1;

    if (size > 0)
        buf[0] = '\0';
    putf(&o, "{\"score\":%.1f,\"label\":", (double)s->score);
    put_json_string(&o, sr_label_name(s->label));
    put(&o, ",\"flags\":[", 10);
    for (size_t i = 0; i < SR_ARRAY_LEN(flag_names); i++) {
        if (!(s->flags & flag_names[i].bit))
            continue;
        if (!first)
            put(&o, ",", 1);
        first = 0;
        put_json_string(&o, flag_names[i].name);
    }
    put(&o, "],\"lang\":", 9);
    put_json_string(&o, s->lang);
    putf(&o, ",\"lang_confidence\":%.2f", (double)s->lang_confidence);
    putf(&o, ",\"valence\":%.3f", (double)s->valence);
    put(&o, ",\"cues\":[", 9);
    for (unsigned i = 0; i < s->ncues && i < SR_CUE_MAX; i++) {
        const sr_cue *c = &s->cues[i];
        if (i)
            put(&o, ",", 1);
        put(&o, "{\"text\":", 8);
        put_json_string(&o, c->text);
        putf(&o, ",\"weight\":%.3f,\"kind\":", (double)c->weight);
        put_json_string(&o, sr_cue_kind_name((sr_cue_kind)c->kind));
        if (c->mods) {
            int f = 1;
            put(&o, ",\"mods\":[", 9);
            for (size_t k = 0; k < SR_ARRAY_LEN(mod_names); k++) {
                if (!(c->mods & mod_names[k].bit))
                    continue;
                if (!f)
                    put(&o, ",", 1);
                f = 0;
                put_json_string(&o, mod_names[k].name);
            }
            put(&o, "]", 1);
        }
        put(&o, "}", 1);
    }
    putf(&o, "],\"tokens\":%u,\"bytes\":%zu}", s->tokens, s->bytes);
    return o.len;
}
