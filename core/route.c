/*
 * route.c - routing rules (route.rules) and saved views (views)
 *
 * Both are lists of groups in the config.  Each group is parsed against a
 * small key table here, so an unknown or mistyped key inside a rule is an
 * error naming file, line and path ("sentiroute.conf:42:
 * route.rules.[3].queue"), like every other key.  Rules are validated
 * whole at load time; evaluation allocates nothing.
 */
#include "build-config.h"

#include "route.h"

#include "ctx.h"
#include "internal.h"
#include "storeconf.h"
#include "text.h"

#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const srp_priority_names[] = {"low", "normal", "high", "urgent", NULL};

static const char *const sort_names[] = {"time", "score", "order_value", "id", "priority", NULL};

const char *sr_priority_name(sr_priority p)
{
    if ((unsigned)p > SR_PRIORITY_URGENT)
        return "normal";
    return srp_priority_names[p];
}

int sr_priority_parse(const char *name)
{
    for (int i = 0; name && srp_priority_names[i]; i++)
        if (strcmp(name, srp_priority_names[i]) == 0)
            return i;
    return -1;
}

/* --- parsing helpers ---------------------------------------------------- */

typedef struct pctx {
    const config_setting_t *s;   /* the setting being parsed */
    char path[160];              /* its key path */
    const char *file;
    sr_error *err;
} pctx;

static int bad(pctx *p, const char *fmt, ...) SR_PRINTFLIKE(2, 3);
static int bad(pctx *p, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return srp_conf_error(p->err, p->s, p->path, p->file, "%s", msg);
}

static int get_string(pctx *p, char **out, size_t maxlen)
{
    const char *v;

    if (config_setting_type(p->s) != CONFIG_TYPE_STRING)
        return bad(p, "must be a string");
    v = config_setting_get_string(p->s);
    if (strlen(v) == 0 || strlen(v) > maxlen || !srp_utf8_valid(v, strlen(v)))
        return bad(p, "must be 1 to %s bytes of UTF-8", maxlen > 200 ? "255" : "63");
    for (const char *c = v; *c; c++)
        if ((unsigned char)*c < 0x20)
            return bad(p, "must not contain control characters");
    free(*out);
    *out = strdup(v);
    return *out ? SR_OK : srp_error(p->err, SR_ENOMEM, ENOMEM, p->path, "out of memory");
}

static int get_bool(pctx *p, int *out)
{
    if (config_setting_type(p->s) != CONFIG_TYPE_BOOL)
        return bad(p, "must be true or false");
    *out = config_setting_get_bool(p->s);
    return SR_OK;
}

static int get_number(pctx *p, double *out, double min, double max)
{
    int t = config_setting_type(p->s);
    double v;

    if (t == CONFIG_TYPE_FLOAT)
        v = config_setting_get_float(p->s);
    else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
        v = (double)config_setting_get_int64(p->s);
    else
        return bad(p, "must be a number");
    if (!(v >= min && v <= max)) {
        char r[64];
        snprintf(r, sizeof(r), "%g..%g", min, max);
        return bad(p, "is out of range %s", r);
    }
    *out = v;
    return SR_OK;
}

/* each_string - call fn for a string or each string of a list/array */
static int each_string(pctx *p, int (*fn)(pctx *, const char *, void *), void *ud)
{
    int t = config_setting_type(p->s);

    if (t == CONFIG_TYPE_STRING)
        return fn(p, config_setting_get_string(p->s), ud);
    if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
        return bad(p, "must be a string or a list of strings");
    if (config_setting_length(p->s) == 0)
        return bad(p, "must not be empty");
    for (int i = 0; i < config_setting_length(p->s); i++) {
        const config_setting_t *e = config_setting_get_elem(p->s, (unsigned)i);
        if (config_setting_type(e) != CONFIG_TYPE_STRING)
            return bad(p, "must be a string or a list of strings");
        int rc = fn(p, config_setting_get_string(e), ud);
        if (rc != SR_OK)
            return rc;
    }
    return SR_OK;
}

static int add_label(pctx *p, const char *v, void *ud)
{
    int l = sr_label_parse(v);
    if (l < 0)
        return bad(p, "unknown label \"%s\" (urgent, promoter, negative, neutral, positive)", v);
    *(unsigned *)ud |= 1u << l;
    return SR_OK;
}

static int add_flag(pctx *p, const char *v, void *ud)
{
    unsigned f = sr_flag_parse(v);
    if (f == 0)
        return bad(p, "unknown flag \"%s\" (threatening, offensive, urgent_cue, "
                      "human_requested, advocacy)", v);
    *(unsigned *)ud |= f;
    return SR_OK;
}

static int add_channel(pctx *p, const char *v, void *ud)
{
    sr_channel c = sr_channel_parse(v);
    if (c == SR_CHANNEL_UNKNOWN)
        return bad(p, "unknown channel \"%s\" (email, chat, sms)", v);
    *(unsigned *)ud |= 1u << c;
    return SR_OK;
}

static int add_status(pctx *p, const char *v, void *ud)
{
    int st = sr_status_parse(v);
    if (st < 0)
        return bad(p, "unknown status \"%s\" (new, open, pending, closed)", v);
    *(unsigned *)ud |= 1u << st;
    return SR_OK;
}

static int list_push(pctx *p, srp_strlist *l, char *s)
{
    char **v;

    if (s == NULL)
        return srp_error(p->err, SR_ENOMEM, ENOMEM, p->path, "out of memory");
    v = realloc(l->v, (l->n + 2) * sizeof(*v));
    if (v == NULL) {
        free(s);
        return srp_error(p->err, SR_ENOMEM, ENOMEM, p->path, "out of memory");
    }
    l->v = v;
    l->v[l->n++] = s;
    l->v[l->n] = NULL;
    return SR_OK;
}

static int add_lang(pctx *p, const char *v, void *ud)
{
    size_t n = strlen(v);
    if (n < 2 || n > 3 || strspn(v, "abcdefghijklmnopqrstuvwxyz") != n)
        return bad(p, "bad language code \"%s\" (ISO 639-1, e.g. de, or und)", v);
    return list_push(p, ud, strdup(v));
}

static int add_tag(pctx *p, const char *v, void *ud)
{
    size_t n = strlen(v);
    if (n == 0 || n > 63 || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789_-.:/") != n)
        return bad(p, "bad tag \"%s\" (1-63 of A-Z a-z 0-9 _ - . : /)", v);
    return list_push(p, ud, strdup(v));
}

/* fold_words - the folded word keys of text joined by single spaces */
static char *fold_words(const char *text)
{
    size_t size = strlen(text) * 2 + SRP_KEY_MAX + 2, o = 0;
    char *out = malloc(size);
    srp_tokenizer t;
    srp_token tok;

    if (out == NULL)
        return NULL;
    out[0] = '\0';
    srp_tok_init(&t, text, strlen(text), NULL, NULL);
    while (srp_tok_next(&t, &tok)) {
        size_t k = strlen(tok.key);
        if ((tok.type != SRP_TOK_WORD && tok.type != SRP_TOK_NUMBER) || k == 0)
            continue;
        if (o + k + 2 > size)
            break;
        if (o > 0)
            out[o++] = ' ';
        memcpy(out + o, tok.key, k + 1);
        o += k;
    }
    return out;
}

static int add_keyword(pctx *p, const char *v, void *ud)
{
    char *f = fold_words(v);

    if (f != NULL && *f == '\0') {
        free(f);
        return bad(p, "keyword \"%s\" has no words", v);
    }
    return list_push(p, ud, f);
}

/* sr_route_addr_ok - see sentiroute.h (the milter's srm_safe_addr asks
 * it again, message by message) */
int sr_route_addr_ok(const char *a)
{
    const char *at = a ? strrchr(a, '@') : NULL;

    if (at == NULL || at == a || at[1] == '\0' || strlen(a) > 254)
        return 0;
    for (const char *q = a; *q; q++) {
        unsigned char c = (unsigned char)*q;
        if (c <= 0x20 || c >= 0x7F || strchr("<>()[]\\,;:\"", c) != NULL)
            return 0;
    }
    return 1;
}

static int check_queue_name(pctx *p, const char *q)
{
    size_t n = strlen(q);
    if (n == 0 || n > 63 || strspn(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789_-.") != n)
        return bad(p, "bad queue name \"%s\" (1-63 of A-Z a-z 0-9 _ - .)", q);
    return SR_OK;
}

/* --- rules ------------------------------------------------------------- */

static int rule_key(pctx *p, void *elem, const char *key)
{
    srp_rule *r = elem;
    int rc;

    if (strcmp(key, "name") == 0)
        return get_string(p, &r->name, 63);
    if (strcmp(key, "label") == 0)
        return each_string(p, add_label, &r->labels);
    if (strcmp(key, "score_min") == 0)
        return get_number(p, &r->score_min, 0, 10);
    if (strcmp(key, "score_max") == 0)
        return get_number(p, &r->score_max, 0, 10);
    if (strcmp(key, "flags") == 0)
        return each_string(p, add_flag, &r->flags_all);
    if (strcmp(key, "flags_any") == 0)
        return each_string(p, add_flag, &r->flags_any);
    if (strcmp(key, "channel") == 0)
        return each_string(p, add_channel, &r->channels);
    if (strcmp(key, "language") == 0)
        return each_string(p, add_lang, &r->langs);
    if (strcmp(key, "keywords") == 0)
        return each_string(p, add_keyword, &r->keywords);
    if (strcmp(key, "vip") == 0)
        return get_bool(p, &r->vip);
    if (strcmp(key, "has_profile") == 0)
        return get_bool(p, &r->has_profile);
    if (strcmp(key, "turned_worse") == 0)
        return get_bool(p, &r->turned_worse);
    if (strcmp(key, "order_value_min") == 0)
        return get_number(p, &r->order_min, 0, 1e12);
    if (strcmp(key, "order_value_max") == 0)
        return get_number(p, &r->order_max, 0, 1e12);
    if (strcmp(key, "queue") == 0) {
        rc = get_string(p, &r->queue, 63);
        return rc == SR_OK ? check_queue_name(p, r->queue) : rc;
    }
    if (strcmp(key, "priority") == 0) {
        if (config_setting_type(p->s) != CONFIG_TYPE_STRING ||
            (r->priority = sr_priority_parse(config_setting_get_string(p->s))) < 0)
            return bad(p, "must be one of low, normal, high, urgent");
        return SR_OK;
    }
    if (strcmp(key, "tags") == 0)
        return each_string(p, add_tag, &r->tags);
    if (strcmp(key, "assignee_group") == 0) {
        rc = get_string(p, &r->assignee_group, 63);
        return rc == SR_OK ? check_queue_name(p, r->assignee_group) : rc;
    }
    if (strcmp(key, "handoff") == 0)
        return get_bool(p, &r->handoff);
    if (strcmp(key, "add_recipient") == 0) {
        rc = get_string(p, &r->add_recipient, 255);
        if (rc == SR_OK && !sr_route_addr_ok(r->add_recipient))
            return bad(p, "must be a plain address (user@example.com)");
        return rc;
    }
    if (strcmp(key, "stop") == 0)
        return get_bool(p, &r->stop);
    return bad(p, "unknown key in a rule");
}

static void rule_free(srp_rule *r)
{
    free(r->name);
    srp_strlist_free(&r->langs);
    srp_strlist_free(&r->keywords);
    free(r->queue);
    srp_strlist_free(&r->tags);
    free(r->assignee_group);
    free(r->add_recipient);
}

static void rules_free(void *field)
{
    srp_rules **pr = field;

    if (*pr == NULL)
        return;
    for (size_t i = 0; i < (*pr)->n; i++)
        rule_free(&(*pr)->v[i]);
    free((*pr)->v);
    free(*pr);
    *pr = NULL;
}

/* rule_check - a rule must do something and its ranges must make sense */
static int rule_check(pctx *p, const srp_rule *r)
{
    if (r->score_min > r->score_max)
        return bad(p, "score_min is above score_max");
    if (r->order_min >= 0 && r->order_max >= 0 && r->order_min > r->order_max)
        return bad(p, "order_value_min is above order_value_max");
    if (!r->queue && r->priority < 0 && r->tags.n == 0 && !r->assignee_group &&
        r->handoff < 0 && !r->add_recipient)
        return bad(p, "rule has no action (queue, priority, tags, assignee_group, handoff, "
                      "add_recipient)");
    return SR_OK;
}

/* each_group - the groups of the list setting p->s ("( { ... }, ... )"):
 * a zeroed array of them in *arr, *n counting those begun (so that a
 * failure frees them); per group begin() (may be NULL), key() on each of
 * its settings, then done() with p at the group; stops at the first error */
static int each_group(pctx *p, const char *usage, size_t elsize, void **arr, size_t *n,
                      void (*begin)(void *), int (*key)(pctx *, void *, const char *),
                      int (*done)(pctx *, void *, int))
{
    const config_setting_t *list = p->s;
    char path[sizeof(p->path)];
    int count, rc = SR_OK;

    srp_strlcpy(path, p->path, sizeof(path));
    if (!config_setting_is_list(list))
        return bad(p, "%s", usage);
    count = config_setting_length(list);
    if (count > 0 && (*arr = calloc((size_t)count, elsize)) == NULL)
        return srp_error(p->err, SR_ENOMEM, ENOMEM, path, "out of memory");
    for (int i = 0; i < count && rc == SR_OK; i++) {
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        void *e = (char *)*arr + (size_t)i * elsize;
        char base[sizeof(p->path) + 16];

        (*n)++;
        if (begin)
            begin(e);
        snprintf(base, sizeof(base), "%s.[%d]", path, i);
        p->s = g;
        srp_strlcpy(p->path, base, sizeof(p->path));
        if (!config_setting_is_group(g))
            return bad(p, "must be a group { ... }");
        for (int k = 0; k < config_setting_length(g) && rc == SR_OK; k++) {
            const config_setting_t *c = config_setting_get_elem(g, (unsigned)k);
            p->s = c;
            if (snprintf(p->path, sizeof(p->path), "%s.%s", base, config_setting_name(c)) >=
                (int)sizeof(p->path))
                p->path[sizeof(p->path) - 1] = '\0';
            rc = key(p, e, config_setting_name(c));
        }
        if (rc == SR_OK) {
            p->s = g;
            srp_strlcpy(p->path, base, sizeof(p->path));
            rc = done(p, *arr, i);
        }
    }
    return rc;
}

/* rule_begin - a rule's defaults: any score, no profile conditions, stop */
static void rule_begin(void *elem)
{
    srp_rule *r = elem;

    r->score_min = 0;
    r->score_max = 10;
    r->vip = r->has_profile = r->turned_worse = -1;
    r->order_min = r->order_max = -1;
    r->priority = r->handoff = -1;
    r->stop = 1;
}

/* rule_done - a rule is consistent; unnamed rules are "ruleN" */
static int rule_done(pctx *p, void *arr, int i)
{
    srp_rule *r = (srp_rule *)arr + i;
    int rc = rule_check(p, r);

    if (rc == SR_OK && r->name == NULL) {
        char nm[32];
        snprintf(nm, sizeof(nm), "rule%d", i + 1);
        r->name = strdup(nm);
        if (r->name == NULL)
            rc = srp_error(p->err, SR_ENOMEM, ENOMEM, p->path, "out of memory");
    }
    return rc;
}

static int rules_parse(void *field, const void *setting, const char *path, const char *file,
                       sr_error *err)
{
    srp_rules *rules = calloc(1, sizeof(*rules));
    pctx p = {.s = setting, .file = file, .err = err};
    void *arr = NULL;
    int rc;

    srp_strlcpy(p.path, path, sizeof(p.path));
    if (rules == NULL)
        return srp_error(err, SR_ENOMEM, ENOMEM, path, "out of memory");
    rc = each_group(&p, "must be a list of rule groups: ( { ... }, { ... } )", sizeof(srp_rule),
                    &arr, &rules->n, rule_begin, rule_key, rule_done);
    rules->v = arr;
    if (rc != SR_OK) {
        rules_free(&rules);
        return rc;
    }
    rules_free(field);
    *(srp_rules **)field = rules;
    return SR_OK;
}

/* --- dumping --------------------------------------------------------- */

/* dbuf - a growing buffer for one rule or view (a rule with hundreds of
 * keywords dumps to many KiB); failed set when memory ran out */
typedef struct dbuf {
    char *b;
    size_t o, cap;
    int failed;
} dbuf;

static void dput(dbuf *d, const char *fmt, ...) SR_PRINTFLIKE(2, 3);
static void dput(dbuf *d, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (d->failed)
        return;
    va_start(ap, fmt);
    n = vsnprintf(d->b ? d->b + d->o : NULL, d->b ? d->cap - d->o : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        d->failed = 1;
        return;
    }
    if (d->b == NULL || d->o + (size_t)n >= d->cap) {
        size_t cap = d->cap ? d->cap : 8192;
        char *nb;
        while (d->o + (size_t)n >= cap)
            cap *= 2;
        if ((nb = realloc(d->b, cap)) == NULL) {
            d->failed = 1;
            return;
        }
        d->b = nb;
        d->cap = cap;
        va_start(ap, fmt);
        vsnprintf(d->b + d->o, d->cap - d->o, fmt, ap);
        va_end(ap);
    }
    d->o += (size_t)n;
}

/* dquoted - v as a libconfig string literal */
static void dquoted(dbuf *d, const char *v)
{
    dput(d, "\"");
    for (; *v; v++)
        dput(d, (*v == '"' || *v == '\\') ? "\\%c" : "%c", *v);
    dput(d, "\"");
}

static void dstr(dbuf *d, const char *key, const char *v)
{
    if (v == NULL)
        return;
    dput(d, " %s = ", key);
    dquoted(d, v);
    dput(d, ";");
}

static void dmask(dbuf *d, const char *key, unsigned mask, const char *(*name)(unsigned))
{
    int first = 1;

    if (mask == 0)
        return;
    dput(d, " %s = [", key);
    for (unsigned b = 0; b < 32; b++)
        if (mask & (1u << b)) {
            const char *nm = name(b);
            if (nm) {
                dput(d, "%s\"%s\"", first ? "" : ", ", nm);
                first = 0;
            }
        }
    dput(d, "];");
}

static void dlist(dbuf *d, const char *key, const srp_strlist *l)
{
    if (l->n == 0)
        return;
    dput(d, " %s = [", key);
    for (size_t i = 0; i < l->n; i++) {
        dput(d, "%s", i ? ", " : "");
        dquoted(d, l->v[i]);
    }
    dput(d, "];");
}

static const char *label_bit(unsigned b) { return b < SR_LABEL_COUNT ? sr_label_name((sr_label)b) : NULL; }
static const char *flag_bit(unsigned b) { return sr_flag_name(1u << b); }
static const char *chan_bit(unsigned b) { return b >= 1 && b <= 3 ? sr_channel_name((sr_channel)b) : NULL; }
static const char *status_bit(unsigned b) { return b <= 3 ? sr_status_name((sr_ticket_status)b) : NULL; }

/* dflush - write what d holds and empty it; at the end (done) free it */
static int dflush(int fd, dbuf *d, int done)
{
    int rc = d->failed ? -1 : d->o ? srp_conf_write(fd, d->b) : 0;

    d->o = 0;
    if (d->b)
        d->b[0] = '\0';
    if (done || rc != 0) {
        free(d->b);
        d->b = NULL;
        d->cap = 0;
    }
    return rc;
}

static int rules_dump(const void *field, int fd, int indent)
{
    const srp_rules *rules = *(srp_rules *const *)field;
    dbuf d = {NULL, 0, 0, 0};

    dput(&d, "(");
    for (size_t i = 0; rules && i < rules->n; i++) {
        const srp_rule *r = &rules->v[i];
        dput(&d, "%s\n%*s  {", i ? "," : "", indent, "");
        dstr(&d, "name", r->name);
        dmask(&d, "label", r->labels, label_bit);
        if (r->score_min > 0)
            dput(&d, " score_min = %.2f;", r->score_min);
        if (r->score_max < 10)
            dput(&d, " score_max = %.2f;", r->score_max);
        dmask(&d, "flags", r->flags_all, flag_bit);
        dmask(&d, "flags_any", r->flags_any, flag_bit);
        dmask(&d, "channel", r->channels, chan_bit);
        dlist(&d, "language", &r->langs);
        dlist(&d, "keywords", &r->keywords);
        if (r->vip >= 0)
            dput(&d, " vip = %s;", r->vip ? "true" : "false");
        if (r->has_profile >= 0)
            dput(&d, " has_profile = %s;", r->has_profile ? "true" : "false");
        if (r->turned_worse >= 0)
            dput(&d, " turned_worse = %s;", r->turned_worse ? "true" : "false");
        if (r->order_min >= 0)
            dput(&d, " order_value_min = %.2f;", r->order_min);
        if (r->order_max >= 0)
            dput(&d, " order_value_max = %.2f;", r->order_max);
        dstr(&d, "queue", r->queue);
        if (r->priority >= 0)
            dput(&d, " priority = \"%s\";", srp_priority_names[r->priority]);
        dlist(&d, "tags", &r->tags);
        dstr(&d, "assignee_group", r->assignee_group);
        if (r->handoff >= 0)
            dput(&d, " handoff = %s;", r->handoff ? "true" : "false");
        dstr(&d, "add_recipient", r->add_recipient);
        dput(&d, " stop = %s; }", r->stop ? "true" : "false");
        if (dflush(fd, &d, 0) != 0)
            return -1;
    }
    dput(&d, "%s)", rules && rules->n ? "\n" : "");
    return dflush(fd, &d, 1);
}

/* --- views ------------------------------------------------------------ */

static int view_key(pctx *p, void *elem, const char *key)
{
    srp_view *v = elem;
    double num;
    int rc;

    if (strcmp(key, "name") == 0)
        return get_string(p, &v->name, 63);
    if (strcmp(key, "label") == 0)
        return each_string(p, add_label, &v->labels);
    if (strcmp(key, "status") == 0)
        return each_string(p, add_status, &v->statuses);
    if (strcmp(key, "channel") == 0)
        return each_string(p, add_channel, &v->channels);
    /* what tickets carry: queue names and tags as rules make them,
     * lower-case language codes; anything else would list nothing */
    if (strcmp(key, "queue") == 0) {
        rc = get_string(p, &v->queue, 63);
        return rc == SR_OK ? check_queue_name(p, v->queue) : rc;
    }
    if (strcmp(key, "language") == 0) {
        size_t n;
        rc = get_string(p, &v->lang, 3);
        if (rc == SR_OK && ((n = strlen(v->lang)) < 2 ||
                            strspn(v->lang, "abcdefghijklmnopqrstuvwxyz") != n))
            return bad(p, "bad language code \"%s\" (ISO 639-1 in lower case, e.g. de, or und)",
                       v->lang);
        return rc;
    }
    if (strcmp(key, "tag") == 0) {
        size_t n;
        rc = get_string(p, &v->tag, 63);
        if (rc == SR_OK && strspn(v->tag, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789_-.:/") != (n = strlen(v->tag)))
            return bad(p, "bad tag \"%s\" (1-63 of A-Z a-z 0-9 _ - . : /)", v->tag);
        return rc;
    }
    if (strcmp(key, "vip") == 0)
        return get_bool(p, &v->vip);
    if (strcmp(key, "reverse") == 0)
        return get_bool(p, &v->reverse);
    if (strcmp(key, "limit") == 0) {
        if (config_setting_type(p->s) != CONFIG_TYPE_INT &&
            config_setting_type(p->s) != CONFIG_TYPE_INT64)
            return bad(p, "must be a whole number (0: no limit)");
        rc = get_number(p, &num, 0, 1e9);
        v->limit = (long long)num;
        return rc;
    }
    if (strcmp(key, "sort") == 0) {
        if (config_setting_type(p->s) == CONFIG_TYPE_STRING)
            for (int i = 0; sort_names[i]; i++)
                if (strcmp(sort_names[i], config_setting_get_string(p->s)) == 0) {
                    v->sort = i;
                    return SR_OK;
                }
        return bad(p, "must be one of time, score, order_value, id, priority");
    }
    return bad(p, "unknown key in a view");
}

static void views_free(void *field)
{
    srp_views **pv = field;

    if (*pv == NULL)
        return;
    for (size_t i = 0; i < (*pv)->n; i++) {
        srp_view *v = &(*pv)->v[i];
        free(v->name);
        free(v->queue);
        free(v->lang);
        free(v->tag);
    }
    free((*pv)->v);
    free(*pv);
    *pv = NULL;
}

/* view_done - a view has a name of its own */
static int view_done(pctx *p, void *arr, int i)
{
    srp_view *views = arr, *v = &views[i];

    if (v->name == NULL)
        return bad(p, "a view needs a name");
    for (int k = 0; k < i; k++)
        if (strcmp(views[k].name, v->name) == 0)
            return bad(p, "duplicate view name \"%s\"", v->name);
    return SR_OK;
}

static int views_parse(void *field, const void *setting, const char *path, const char *file,
                       sr_error *err)
{
    srp_views *views = calloc(1, sizeof(*views));
    pctx p = {.s = setting, .file = file, .err = err};
    void *arr = NULL;
    int rc;

    srp_strlcpy(p.path, path, sizeof(p.path));
    if (views == NULL)
        return srp_error(err, SR_ENOMEM, ENOMEM, path, "out of memory");
    rc = each_group(&p, "must be a list of view groups: ( { name = \"angry\"; ... } )",
                    sizeof(srp_view), &arr, &views->n, NULL, view_key, view_done);
    views->v = arr;
    if (rc != SR_OK) {
        views_free(&views);
        return rc;
    }
    views_free(field);
    *(srp_views **)field = views;
    return SR_OK;
}

static int views_dump(const void *field, int fd, int indent)
{
    const srp_views *views = *(srp_views *const *)field;
    dbuf d = {NULL, 0, 0, 0};

    dput(&d, "(");
    for (size_t i = 0; views && i < views->n; i++) {
        const srp_view *v = &views->v[i];
        dput(&d, "%s\n%*s  {", i ? "," : "", indent, "");
        dstr(&d, "name", v->name);
        dmask(&d, "label", v->labels, label_bit);
        dmask(&d, "status", v->statuses, status_bit);
        dmask(&d, "channel", v->channels, chan_bit);
        dstr(&d, "queue", v->queue);
        dstr(&d, "language", v->lang);
        dstr(&d, "tag", v->tag);
        if (v->vip)
            dput(&d, " vip = true;");
        dput(&d, " sort = \"%s\";", sort_names[v->sort]);
        if (v->reverse)
            dput(&d, " reverse = true;");
        if (v->limit)
            dput(&d, " limit = %lld;", v->limit);
        dput(&d, " }");
        if (dflush(fd, &d, 0) != 0)
            return -1;
    }
    dput(&d, "%s)", views && views->n ? "\n" : "");
    return dflush(fd, &d, 1);
}

const srp_custom srp_rules_custom = {rules_parse, rules_free, rules_dump};
const srp_custom srp_views_custom = {views_parse, views_free, views_dump};

/* sr_config_view - a saved view as a filter */
int sr_config_view(const sr_config *cfg, const char *name, sr_ticket_filter *out)
{
    const srp_views *views = cfg ? cfg->views : NULL;

    for (size_t i = 0; views && name && i < views->n; i++) {
        const srp_view *v = &views->v[i];
        if (strcmp(v->name, name) != 0)
            continue;
        memset(out, 0, sizeof(*out));
        out->labels = v->labels;
        out->statuses = v->statuses;
        out->channels = v->channels;
        out->queue = v->queue;
        out->lang = v->lang;
        out->tag = v->tag;
        out->vip = v->vip;
        out->sort = (sr_sort)v->sort;
        out->reverse = v->reverse;
        out->limit = (size_t)v->limit;
        return SR_OK;
    }
    return SR_ENOTFOUND;
}

const char *sr_config_view_name(const sr_config *cfg, size_t i)
{
    if (cfg == NULL || cfg->views == NULL || i >= cfg->views->n)
        return NULL;
    return cfg->views->v[i].name;
}

/* --- evaluation ------------------------------------------------------- */

/* srp_tags_add - append a tag unless present */
void srp_tags_add(char *tags, size_t size, const char *tag)
{
    size_t n = strlen(tag), len = strlen(tags);
    const char *p = tags;

    if (n == 0)
        return;
    while (*p) {
        size_t k = strcspn(p, ",");
        if (k == n && memcmp(p, tag, n) == 0)
            return;
        p += k;
        if (*p == ',')
            p++;
    }
    if (len + n + 2 > size)
        return;
    if (len > 0)
        tags[len++] = ',';
    memcpy(tags + len, tag, n + 1);
}

/* words_match - does the folded phrase kw occur in the text's words?  A
 * partial match that fails resumes at the word after the one it began
 * with ("very very bad" in "very very very bad"); phrases are a few words */
static int words_match(const char *text, size_t len, const char *kw)
{
    srp_tokenizer t, resume;
    srp_token tok;
    const char *pos = kw;

    srp_tok_init(&t, text, len, NULL, NULL);
    resume = t;
    while (srp_tok_next(&t, &tok)) {
        size_t k;
        if (tok.type != SRP_TOK_WORD && tok.type != SRP_TOK_NUMBER)
            continue;
        k = strlen(tok.key);
        if (k > 0 && strncmp(pos, tok.key, k) == 0 && (pos[k] == ' ' || pos[k] == '\0')) {
            if (pos == kw)
                resume = t;   /* just after this attempt's first word */
            pos += k;
            if (*pos == '\0')
                return 1;
            pos++;
        } else if (pos != kw) {
            t = resume;       /* try again from the attempt's second word */
            pos = kw;
        }
    }
    return 0;
}

static int in_list(const srp_strlist *l, const char *v)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], v) == 0)
            return 1;
    return 0;
}

static int rule_matches(const srp_rule *r, const srp_route_in *in)
{
    const sr_sentiment *s = in->s;
    double score = s->score;

    if (r->labels && !(r->labels & (1u << s->label)))
        return 0;
    if (score < r->score_min || score > r->score_max)
        return 0;
    if ((s->flags & r->flags_all) != r->flags_all)
        return 0;
    if (r->flags_any && !(s->flags & r->flags_any))
        return 0;
    if (r->channels && !(r->channels & (1u << in->channel)))
        return 0;
    if (r->langs.n && !in_list(&r->langs, s->lang))
        return 0;
    if (r->has_profile >= 0 && r->has_profile != (in->profile != NULL))
        return 0;
    if (r->vip >= 0 && r->vip != (in->profile ? in->profile->vip != 0 : 0))
        return 0;
    if (r->turned_worse >= 0 && r->turned_worse != (in->turned_worse != 0))
        return 0;
    if (r->order_min >= 0 && !(in->profile && in->profile->order_value >= r->order_min))
        return 0;
    if (r->order_max >= 0 && !(in->profile && in->profile->order_value <= r->order_max))
        return 0;
    if (r->keywords.n) {
        size_t i;
        for (i = 0; i < r->keywords.n; i++)
            if (words_match(in->text, in->len, r->keywords.v[i]))
                break;
        if (i == r->keywords.n)
            return 0;
    }
    return 1;
}

static void rule_apply(const srp_rule *r, sr_route_result *out)
{
    if (out->rule[0] == '\0')
        srp_strlcpy(out->rule, r->name, sizeof(out->rule));
    if (r->queue)
        srp_strlcpy(out->queue, r->queue, sizeof(out->queue));
    if (r->priority >= 0)
        out->priority = (sr_priority)r->priority;
    for (size_t i = 0; i < r->tags.n; i++)
        srp_tags_add(out->tags, sizeof(out->tags), r->tags.v[i]);
    if (r->assignee_group)
        srp_strlcpy(out->assignee_group, r->assignee_group, sizeof(out->assignee_group));
    if (r->handoff >= 0)
        out->handoff = r->handoff;
    if (r->add_recipient)
        srp_strlcpy(out->add_recipient, r->add_recipient, sizeof(out->add_recipient));
}

/* srp_route_eval - the rules in order; first match stops unless stop=false */
void srp_route_eval(const sr_config *cfg, const srp_route_in *in, sr_route_result *out)
{
    memset(out, 0, sizeof(*out));
    srp_strlcpy(out->queue, cfg->route_default_queue, sizeof(out->queue));
    out->priority = (sr_priority)cfg->route_default_priority;
    if (cfg->conv_handoff_on_request && (in->s->flags & SR_FLAG_HUMAN_REQUESTED))
        out->handoff = 1;
    for (size_t i = 0; cfg->rules && i < cfg->rules->n; i++) {
        const srp_rule *r = &cfg->rules->v[i];
        if (!rule_matches(r, in))
            continue;
        rule_apply(r, out);
        if (r->stop)
            break;
    }
}

/* sr_route_eval - public wrapper for one message */
int sr_route_eval(const sr_ctx *ctx, const sr_message *msg, const sr_sentiment *s,
                  const sr_profile *profile, int turned_worse, sr_route_result *out,
                  sr_error *err)
{
    srp_route_in in;

    if (ctx == NULL || msg == NULL || s == NULL || out == NULL)
        return srp_error(err, SR_EINVAL, 0, "route", "missing argument");
    in.channel = sr_message_channel(msg);
    in.text = sr_message_text(msg, &in.len);
    in.s = s;
    in.profile = profile;
    in.turned_worse = turned_worse;
    srp_route_eval(ctx->cfg, &in, out);
    return SR_OK;
}
