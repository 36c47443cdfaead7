/*
 * ctl_store.c - sentiroutectl: ingest, rescore, tickets, ticket, outbox,
 * profiles
 *
 * SYNOPSIS
 *   sentiroutectl [-c CONFIG] [--store DIR] ingest --channel email|chat|sms --from ID
 *        [--thread ID] [--at TIME] [--subject S] [--message-id ID] [--in-reply-to ID]
 *        [--references IDS] [--name NAME] [--email ADDR] [--handoff]  < text
 *   sentiroutectl ... ingest --rfc822 [options]  < a raw mail (headers fill the options)
 *   sentiroutectl ... ingest --jsonl  < one JSON object per line
 *   sentiroutectl ... rescore
 *   sentiroutectl ... tickets [--view NAME] [--label L,..] [--status S,..] [--channel C,..]
 *        [--queue Q] [--lang LL] [--tag T] [--vip] [--sort time|score|order_value|id|priority]
 *        [--reverse] [--limit N] [--format table|json]
 *   sentiroutectl ... ticket show|close|reopen|split|reply|assign|handoff ID ...
 *   sentiroutectl ... outbox list|retry|drop|run ...
 *   sentiroutectl ... profiles import FILE [--format csv|json] | profiles show KEY
 *
 * Every command that writes goes through the library, exactly the path the
 * adapters take; a reply is printed only after the commit.
 */
#include "build-config.h"

#include "ctl.h"

#include <errno.h>
#include <getopt.h>
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE 2

static int fail(const sr_error *e)
{
    fprintf(stderr, "sentiroutectl: %s%s%s\n", e->where, e->where[0] ? ": " : "", e->msg);
    return e->code == SR_ENOTFOUND ? 1 : e->code == SR_ECONFIG ? EX_CONFIG : 1;
}

int srctl_open(const srctl_opts *o, unsigned flags, sr_ctx **ctx, sr_store **st)
{
    sr_error err;
    sr_config *cfg = o->config_path ? sr_config_load(o->config_path, &err)
                                    : sr_config_new_default(&err);

    *ctx = NULL;
    *st = NULL;
    if (cfg == NULL) {
        fail(&err);
        return EX_CONFIG;
    }
    *ctx = sr_ctx_new(cfg, &err);
    sr_config_unref(cfg);
    if (*ctx == NULL) {
        fail(&err);
        return EX_CONFIG;
    }
    *st = sr_store_open(*ctx, o->store_dir, flags, &err);
    if (*st == NULL) {
        fail(&err);
        sr_ctx_free(*ctx);
        *ctx = NULL;
        return err.code == SR_EIO || err.code == SR_ENOTFOUND ? EX_IOERR : 1;
    }
    return 0;
}

void srctl_close(sr_ctx *ctx, sr_store *st)
{
    sr_store_close(st);
    sr_ctx_free(ctx);
}

/* parse_time - unix seconds, or ISO 8601 UTC "2024-05-01T10:00:00Z" /
 * "2024-05-01 10:00" / "2024-05-01" */
static int parse_time(const char *s, int64_t *out)
{
    struct tm tm;
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (*s && *end == '\0' && errno == 0 && v > 0) {
        *out = v;
        return 0;
    }
    memset(&tm, 0, sizeof(tm));
    end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (end == NULL)
        end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
    if (end == NULL) {
        memset(&tm, 0, sizeof(tm));
        end = strptime(s, "%Y-%m-%d %H:%M", &tm);
    }
    if (end == NULL) {
        memset(&tm, 0, sizeof(tm));
        end = strptime(s, "%Y-%m-%d", &tm);
    }
    if (end == NULL || (*end != '\0' && strcmp(end, "Z") != 0))
        return -1;
    *out = (int64_t)timegm(&tm);
    return 0;
}

/* parse_count - a whole number of digits only ("-1", "10x" are no count) */
static int parse_count(const char *s, size_t *out)
{
    char *end;
    unsigned long long v;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (*end != '\0' || errno != 0 || v > SIZE_MAX)
        return -1;
    *out = (size_t)v;
    return 0;
}

/* parse_secs - seconds as a plain non-negative number ("5m" is refused,
 * not read as 5) */
static int parse_secs(const char *s, double *out)
{
    char *end;
    double v;

    if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (*end != '\0' || errno != 0 || !(v >= 0 && v < 1e9))
        return -1;
    *out = v;
    return 0;
}

/* read_all - all of fp, keeping the first cap bytes (*cut, when not NULL,
 * says whether more came) */
static char *read_all(FILE *fp, size_t cap, size_t *len, int *cut)
{
    size_t size = 4096, n = 0;
    char *buf = malloc(size), skip[4096];

    if (cut)
        *cut = 0;
    while (buf) {
        size_t got;
        if (n == size) {
            if (size >= cap) {
                while ((got = fread(skip, 1, sizeof(skip), fp)) > 0)
                    if (cut)
                        *cut = 1;
                break;
            }
            char *nb = realloc(buf, size * 2);
            if (nb == NULL) {
                free(buf);
                return NULL;
            }
            buf = nb;
            size *= 2;
        }
        got = fread(buf + n, 1, size - n, fp);
        if (got == 0)
            break;
        n += got;
    }
    if (buf)
        *len = n;
    return buf;
}

static json_t *csv_array(const char *csv)
{
    json_t *a = json_array();

    while (a && *csv) {
        size_t k = strcspn(csv, ",");
        json_array_append_new(a, json_stringn(csv, k));
        csv += k + (csv[k] == ',');
    }
    return a;
}

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(4));
    if (s)
        puts(s);
    free(s);
    json_decref(j);
}

/* put_json_elem - print one element of a JSON array on its own, exactly
 * as json_dumps(array, JSON_INDENT(1) | flags) prints it (each line one
 * space in, depth spaces for an array depth levels in; strings hold no
 * raw newline), so that a long list never sits in memory as JSON; takes
 * j.  -1, printing nothing, when j cannot be encoded.  put_json_end (or
 * put_json_end_at the same depth) closes the array. */
static int put_json_elem(json_t *j, size_t flags, int depth, size_t *printed)
{
    char *s = j ? json_dumps(j, JSON_INDENT(1) | flags) : NULL;

    json_decref(j);
    if (s == NULL)
        return -1;
    fputs(*printed ? ",\n" : "[\n", stdout);
    printf("%*s", depth, "");
    for (const char *q = s; *q; q++) {
        putchar(*q);
        if (*q == '\n')
            printf("%*s", depth, "");
    }
    free(s);
    (*printed)++;
    return 0;
}

/* put_json_end_at - close an array of elements printed depth spaces in */
static void put_json_end_at(size_t printed, int depth)
{
    if (printed)
        printf("\n%*s]\n", depth - 1, "");
    else
        puts("[]");
}

static void put_json_end(size_t printed)
{
    put_json_end_at(printed, 1);
}

static json_t *result_json(const sr_ingest_result *r)
{
    char flags[160];

    sr_flags_format(r->sentiment.flags, flags, sizeof(flags));
    return json_pack("{sI sI sb sb sb sf ss so ss ss ss so ss ss ss sb sI ss}", "ticket",
                     (json_int_t)r->ticket_id, "seq", (json_int_t)r->msg_seq, "created",
                     r->created, "reopened", r->reopened, "turned_worse", r->turned_worse,
                     "score", (double)r->sentiment.score, "label",
                     sr_label_name(r->sentiment.label), "flags", csv_array(flags), "lang",
                     r->sentiment.lang, "queue", r->queue, "priority",
                     sr_priority_name(r->priority), "tags", csv_array(r->tags),
                     "assignee_group", r->assignee_group, "rule", r->rule, "add_recipient",
                     r->add_recipient, "handoff", r->handoff, "job", (json_int_t)r->job_id,
                     "none_message", r->none_message);
}

typedef struct ingest_args {
    const char *channel, *from, *thread, *at, *subject, *mid, *irt, *refs, *name, *email;
} ingest_args;

/* build_message - an sr_message from the arguments and text */
static sr_message *build_message(const ingest_args *a, const char *text, size_t len,
                                 sr_error *err)
{
    sr_channel ch = sr_channel_parse(a->channel);
    sr_message *m;
    int64_t at = 0;

    if (ch == SR_CHANNEL_UNKNOWN) {
        snprintf(err->msg, sizeof(err->msg), "channel must be email, chat or sms");
        err->where[0] = '\0';
        err->code = SR_EINVAL;
        return NULL;
    }
    if (a->at && parse_time(a->at, &at) != 0) {
        snprintf(err->msg, sizeof(err->msg), "bad time '%.60s' (unix seconds or ISO 8601)",
                 a->at);
        err->where[0] = '\0';
        err->code = SR_EINVAL;
        return NULL;
    }
    m = sr_message_new(ch, err);
    if (m == NULL)
        return NULL;
    if (sr_message_set_text(m, text, len, 0, err) != SR_OK ||
        sr_message_set_sender(m, a->from, err) != SR_OK ||
        sr_message_set_conversation(m, a->thread, err) != SR_OK ||
        sr_message_set_subject(m, a->subject, err) != SR_OK ||
        sr_message_set_message_id(m, a->mid, err) != SR_OK ||
        sr_message_set_in_reply_to(m, a->irt, err) != SR_OK ||
        sr_message_set_references(m, a->refs, err) != SR_OK ||
        sr_message_set_sender_name(m, a->name, err) != SR_OK ||
        sr_message_set_email(m, a->email, err) != SR_OK) {
        sr_message_free(m);
        return NULL;
    }
    sr_message_set_timestamp(m, at);
    return m;
}

static const char *jget(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* ingest_jsonl - one message per input line; an ack line after each commit */
static int ingest_jsonl(sr_store *st)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    int status = 0;

    while ((n = getline(&line, &cap, stdin)) > 0) {
        json_error_t je;
        json_t *o;
        ingest_args a = {0};
        char at[32];
        sr_message *m;
        sr_ingest_result r;
        sr_error err;
        const char *text;

        lineno++;
        if (line[strspn(line, " \t\r\n")] == '\0')
            continue;
        o = json_loads(line, 0, &je);
        if (!json_is_object(o)) {
            fprintf(stderr, "sentiroutectl: stdin:%zu: %s\n", lineno,
                    o ? "not a JSON object" : je.text);
            json_decref(o);
            status = 1;
            continue;
        }
        a.channel = jget(o, "channel");
        a.from = jget(o, "from");
        a.thread = jget(o, "thread");
        a.subject = jget(o, "subject");
        a.mid = jget(o, "message_id");
        a.irt = jget(o, "in_reply_to");
        a.refs = jget(o, "references");
        a.name = jget(o, "name");
        a.email = jget(o, "email");
        if (json_is_integer(json_object_get(o, "at"))) {
            snprintf(at, sizeof(at), "%lld",
                     (long long)json_integer_value(json_object_get(o, "at")));
            a.at = at;
        } else {
            a.at = jget(o, "at");
        }
        text = jget(o, "text");
        m = a.channel && a.from && text ? build_message(&a, text, strlen(text), &err) : NULL;
        if (m == NULL) {
            fprintf(stderr, "sentiroutectl: stdin:%zu: %s\n", lineno,
                    a.channel && a.from && text ? err.msg : "needs channel, from and text");
            json_decref(o);
            status = 1;
            continue;
        }
        if (sr_ingest(st, m, &r, &err) != SR_OK) {
            fprintf(stderr, "sentiroutectl: stdin:%zu: %s\n", lineno, err.msg);
            status = 1;
        } else {
            json_t *res = result_json(&r);
            json_object_set_new(res, "line", json_integer((json_int_t)lineno));
            print_json(res);
            fflush(stdout);   /* the ack: this message is committed */
        }
        sr_message_free(m);
        json_decref(o);
    }
    free(line);
    return status;
}

/*
 * from_rfc822 - fill the message from a raw mail (backfills from a Maildir):
 * From, Subject, Message-ID, In-Reply-To, References and Date, and the
 * first text/plain part decoded to UTF-8 (else the first text part as it
 * is).  Options given on the command line win over the headers.  GMime does
 * the parsing; the milter does the full job (HTML, quotes, signatures).
 */
static char *from_rfc822(const char *raw, size_t len, ingest_args *a, char *from, size_t fsize,
                         char *name, size_t nsize, char *mid, size_t msize, char *at, size_t asize,
                         char **subject, char **irt, char **refs)
{
    GMimeStream *s = g_mime_stream_mem_new_with_buffer(raw, len);
    GMimeParser *p = g_mime_parser_new_with_stream(s);
    GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
    GMimePartIter *it;
    char *text = NULL, *any = NULL;

    if (m != NULL) {
        InternetAddressList *fl = g_mime_message_get_from(m);
        InternetAddress *addr = fl ? internet_address_list_get_address(fl, 0) : NULL;
        GDateTime *d = g_mime_message_get_date(m);
        const char *v;

        if (addr && INTERNET_ADDRESS_IS_MAILBOX(addr) && a->from == NULL) {
            snprintf(from, fsize, "%s", internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(addr)));
            a->from = from;
            if (a->name == NULL && internet_address_get_name(addr)) {
                snprintf(name, nsize, "%s", internet_address_get_name(addr));
                a->name = name;
            }
        }
        if (a->subject == NULL && (v = g_mime_message_get_subject(m)) != NULL)
            a->subject = *subject = strdup(v);
        if (a->mid == NULL && (v = g_mime_message_get_message_id(m)) != NULL) {
            snprintf(mid, msize, "<%s>", v);
            a->mid = mid;
        }
        if (a->irt == NULL && (v = g_mime_object_get_header(GMIME_OBJECT(m), "In-Reply-To")))
            a->irt = *irt = strdup(v);
        if (a->refs == NULL && (v = g_mime_object_get_header(GMIME_OBJECT(m), "References")))
            a->refs = *refs = strdup(v);
        if (a->at == NULL && d != NULL) {
            snprintf(at, asize, "%lld", (long long)g_date_time_to_unix(d));
            a->at = at;
        }
        it = g_mime_part_iter_new(GMIME_OBJECT(m));
        do {
            GMimeObject *o = g_mime_part_iter_get_current(it);
            if (o == NULL || !GMIME_IS_TEXT_PART(o))
                continue;
            if (g_mime_content_type_is_type(g_mime_object_get_content_type(o), "text", "plain")) {
                char *t = g_mime_text_part_get_text(GMIME_TEXT_PART(o));
                text = t ? strdup(t) : NULL;
                g_free(t);
                break;
            }
            if (any == NULL) {
                char *t = g_mime_text_part_get_text(GMIME_TEXT_PART(o));
                any = t ? strdup(t) : NULL;
                g_free(t);
            }
        } while (g_mime_part_iter_next(it));
        g_mime_part_iter_free(it);
        g_object_unref(m);
    }
    g_object_unref(p);
    g_object_unref(s);
    if (text == NULL) {
        text = any;
        any = NULL;
    }
    free(any);
    return text ? text : strdup("");
}

static int cmd_ingest(const srctl_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {
        {"channel", required_argument, NULL, 'C'}, {"from", required_argument, NULL, 'f'},
        {"thread", required_argument, NULL, 't'},  {"at", required_argument, NULL, 'a'},
        {"subject", required_argument, NULL, 's'}, {"message-id", required_argument, NULL, 'm'},
        {"in-reply-to", required_argument, NULL, 'i'},
        {"references", required_argument, NULL, 'r'}, {"name", required_argument, NULL, 'n'},
        {"email", required_argument, NULL, 'e'},   {"handoff", no_argument, NULL, 'H'},
        {"jsonl", no_argument, NULL, 'J'},         {"rfc822", no_argument, NULL, 'R'},
        {NULL, 0, NULL, 0}};
    ingest_args a = {0};
    int c, handoff = 0, jsonl = 0, rfc822 = 0, status;
    char hfrom[320], hname[200], hmid[520], hat[32];
    char *hsubj = NULL, *hirt = NULL, *hrefs = NULL;
    sr_ctx *ctx;
    sr_store *st;
    sr_message *m;
    sr_ingest_result r;
    sr_error err;
    char *text;
    size_t len;

    optind = 1;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'C': a.channel = optarg; break;
        case 'f': a.from = optarg; break;
        case 't': a.thread = optarg; break;
        case 'a': a.at = optarg; break;
        case 's': a.subject = optarg; break;
        case 'm': a.mid = optarg; break;
        case 'i': a.irt = optarg; break;
        case 'r': a.refs = optarg; break;
        case 'n': a.name = optarg; break;
        case 'e': a.email = optarg; break;
        case 'H': handoff = 1; break;
        case 'J': jsonl = 1; break;
        case 'R': rfc822 = 1; break;
        default: return srctl_usage_error("bad option for ingest");
        }
    }
    if (optind < argc)
        return srctl_usage_error("ingest reads the message from standard input");
    if (rfc822 && a.channel == NULL)
        a.channel = "email";
    if (rfc822 && (jsonl || strcmp(a.channel, "email") != 0))
        return srctl_usage_error("--rfc822 reads one email");
    if (!jsonl && (a.channel == NULL || (a.from == NULL && !rfc822)))
        return srctl_usage_error("ingest needs --channel and --from (or --jsonl, --rfc822)");
    if ((status = srctl_open(o, 0, &ctx, &st)) != 0)
        return status;
    if (jsonl) {
        status = ingest_jsonl(st);
        srctl_close(ctx, st);
        return status;
    }
    text = read_all(stdin, 64u << 20, &len, NULL);
    if (text && rfc822) {
        char *body;
        g_mime_init();
        body = from_rfc822(text, len, &a, hfrom, sizeof(hfrom), hname, sizeof(hname), hmid,
                           sizeof(hmid), hat, sizeof(hat), &hsubj, &hirt, &hrefs);
        g_mime_shutdown();
        free(text);
        text = body;
        len = text ? strlen(text) : 0;
        if (a.from == NULL) {
            free(text);
            srctl_close(ctx, st);
            return srctl_usage_error("the mail has no From address: give --from");
        }
    }
    m = text ? build_message(&a, text, len, &err) : NULL;
    free(text);
    free(hsubj);
    free(hirt);
    free(hrefs);
    if (m == NULL) {
        status = text ? fail(&err) : 1;
    } else if (handoff && sr_message_request_handoff(m, "requested by the operator", &err)) {
        status = fail(&err);
    } else if (sr_ingest(st, m, &r, &err) != SR_OK) {
        status = fail(&err);
    } else {
        print_json(result_json(&r));
    }
    sr_message_free(m);
    srctl_close(ctx, st);
    return status;
}

static int cmd_rescore(const srctl_opts *o, int argc, char **argv)
{
    sr_ctx *ctx;
    sr_store *st;
    sr_error err;
    size_t n = 0;
    int status;

    (void)argv;
    if (argc > 1)
        return srctl_usage_error("rescore takes no arguments");
    if ((status = srctl_open(o, 0, &ctx, &st)) != 0)
        return status;
    if (sr_store_rescore(st, &n, &err) != SR_OK)
        status = fail(&err);
    else
        printf("rescored %zu ticket(s)\n", n);
    srctl_close(ctx, st);
    return status;
}

/* --- tickets ------------------------------------------------------------ */

static int mask_of(const char *csv, int (*parse)(const char *), unsigned *mask, const char *what)
{
    char buf[256];

    snprintf(buf, sizeof(buf), "%s", csv);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int v = parse(tok);
        if (v < 0)
            return srctl_usage_error("unknown %s '%s'", what, tok);
        *mask |= 1u << v;
    }
    return 0;
}

static int label_p(const char *s) { return sr_label_parse(s); }
static int status_p(const char *s) { return sr_status_parse(s); }
static int channel_p(const char *s)
{
    sr_channel c = sr_channel_parse(s);
    return c == SR_CHANNEL_UNKNOWN ? -1 : (int)c;
}

static json_t *ticket_json(const sr_ticket *t)
{
    char flags[160];

    sr_flags_format(t->flags, flags, sizeof(flags));
    return json_pack("{sI ss ss ss ss ss ss ss ss ss so ss ss sf ss so ss sf sb sf sb sI sI "
                     "sI sb ss ss}",
                     "id", (json_int_t)t->id, "channel", sr_channel_name(t->channel), "status",
                     sr_status_name(t->status), "requester", t->requester, "name",
                     t->requester_name, "email", t->email, "profile_id", t->profile_id,
                     "subject", t->subject, "queue", t->queue, "priority",
                     sr_priority_name(t->priority), "tags", csv_array(t->tags), "assignee",
                     t->assignee, "assignee_group", t->assignee_group, "score",
                     (double)t->score, "label", sr_label_name(t->label), "flags",
                     csv_array(flags), "lang", t->lang, "prev_score", (double)t->prev_score,
                     "turned_worse", t->turned_worse, "order_value", t->order_value, "vip",
                     t->vip, "created", (json_int_t)t->created, "updated",
                     (json_int_t)t->updated, "messages", (json_int_t)t->nmessages,
                     "handed_off", t->handed_off, "method", t->method, "remote_id",
                     t->remote_id);
}

static void when(int64_t t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, size, "%Y-%m-%d %H:%M", &tm);
}

/* put_text - print s for a terminal: what customers and remote servers
 * wrote never acts as an escape sequence.  Control characters (C0 except
 * newline and tab in multiline text, DEL, and C1 such as U+009B CSI) are
 * shown as \xHH / \u00HH; a CR before a newline is dropped.  At most max
 * bytes (0: all), cut between characters. */
static void put_text(const char *s, size_t max, int multiline)
{
    size_t n = strlen(s);

    if (max && n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i], d = i + 1 < n ? (unsigned char)s[i + 1] : 0;
        if (c == '\r' && multiline && d == '\n')
            continue;
        if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t'))) || c == 0x7f) {
            printf("\\x%02x", c);
        } else if (c == 0xc2 && d >= 0x80 && d <= 0x9f) {
            printf("\\u%04x", d);
            i++;
        } else {
            putchar(c);
        }
    }
}

static void print_ticket_table(const sr_ticket *v, size_t n)
{
    printf("%-6s %-5s %-8s %-7s %-5s %-9s %-4s %-10s %-7s %9s %-16s  %s\n", "id", "chan",
           "status", "prio", "score", "label", "lang", "queue", "handoff", "order", "updated",
           "requester / subject");
    for (size_t i = 0; i < n; i++) {
        const sr_ticket *t = &v[i];
        char up[32], tags[sizeof(t->tags) + 2];

        when(t->updated, up, sizeof(up));
        /* the core tags a ticket whose latest reply did not arrive */
        snprintf(tags, sizeof(tags), ",%s,", t->tags);
        printf("%-6llu %-5s %-8s %-7s %5.1f %-9s %-4s %-10.10s %-7s %9.2f %-16s  %s%s",
               (unsigned long long)t->id, sr_channel_name(t->channel), sr_status_name(t->status),
               sr_priority_name(t->priority), (double)t->score, sr_label_name(t->label),
               t->lang, t->queue, t->handed_off ? t->method : "-", t->order_value, up,
               t->turned_worse ? "(!) " : "",
               strstr(tags, ",undelivered,") ? "(reply undelivered) " : "");
        put_text(t->requester, 0, 0);
        fputs(" — ", stdout);
        put_text(t->subject, 50, 0);
        putchar('\n');
    }
}

static int cmd_tickets(const srctl_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {
        {"view", required_argument, NULL, 'v'},   {"label", required_argument, NULL, 'l'},
        {"status", required_argument, NULL, 'S'}, {"channel", required_argument, NULL, 'C'},
        {"queue", required_argument, NULL, 'q'},  {"lang", required_argument, NULL, 'L'},
        {"tag", required_argument, NULL, 'T'},    {"vip", no_argument, NULL, 'V'},
        {"sort", required_argument, NULL, 's'},   {"reverse", no_argument, NULL, 'r'},
        {"limit", required_argument, NULL, 'n'},  {"format", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0}};
    static const char *const sorts[] = {"time", "score", "order_value", "id", "priority", NULL};
    sr_ticket_filter f = {0}, over = {0};
    const char *view = NULL;
    char lang[4];
    int c, json = 0, status, sort = -1;
    sr_ctx *ctx;
    sr_store *st;
    sr_ticket *v;
    size_t n;
    sr_error err;

    optind = 1;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'v': view = optarg; break;
        case 'l':
            if ((status = mask_of(optarg, label_p, &over.labels, "label")))
                return status;
            break;
        case 'S':
            if ((status = mask_of(optarg, status_p, &over.statuses, "status")))
                return status;
            break;
        case 'C':
            if ((status = mask_of(optarg, channel_p, &over.channels, "channel")))
                return status;
            break;
        case 'q': over.queue = optarg; break;
        case 'L':
            /* tickets carry lower-case codes ("de"); DE means the same */
            if (strlen(optarg) < 2 || strlen(optarg) >= sizeof(lang))
                return srctl_usage_error("bad language code '%s'", optarg);
            for (size_t i = 0; i <= strlen(optarg); i++)
                lang[i] = (char)(optarg[i] >= 'A' && optarg[i] <= 'Z' ? optarg[i] + 32 : optarg[i]);
            over.lang = lang;
            break;
        case 'T': over.tag = optarg; break;
        case 'V': over.vip = 1; break;
        case 'r': over.reverse = 1; break;
        case 'n':
            if (parse_count(optarg, &over.limit) != 0)
                return srctl_usage_error("--limit needs a number, not '%s'", optarg);
            break;
        case 's':
            for (sort = 0; sorts[sort] && strcmp(sorts[sort], optarg) != 0; sort++)
                ;
            if (!sorts[sort])
                return srctl_usage_error("unknown sort '%s' (time, score, order_value, id, "
                                         "priority)", optarg);
            break;
        case 'o':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0)
                return srctl_usage_error("format is table or json");
            json = strcmp(optarg, "json") == 0;
            break;
        default: return srctl_usage_error("bad option for tickets");
        }
    }
    if (optind < argc)
        return srctl_usage_error("tickets takes options only");
    if ((status = srctl_open(o, SR_STORE_RDONLY, &ctx, &st)) != 0)
        return status;
    if (view && sr_config_view(sr_ctx_config(ctx), view, &f) != SR_OK) {
        fprintf(stderr, "sentiroutectl: no saved view '%s' in the configuration\n", view);
        srctl_close(ctx, st);
        return EXIT_USAGE;
    }
    /* options refine a view */
    if (over.labels) f.labels = over.labels;
    if (over.statuses) f.statuses = over.statuses;
    if (over.channels) f.channels = over.channels;
    if (over.queue) f.queue = over.queue;
    if (over.lang) f.lang = over.lang;
    if (over.tag) f.tag = over.tag;
    if (over.vip) f.vip = 1;
    if (over.reverse) f.reverse = 1;
    if (over.limit) f.limit = over.limit;
    if (sort >= 0) f.sort = (sr_sort)sort;
    if (sr_ticket_query(st, &f, &v, &n, &err) != SR_OK) {
        status = fail(&err);
    } else if (json) {
        /* one ticket at a time: a store's worth of JSON at once took
         * several times the list's memory */
        size_t printed = 0;
        for (size_t i = 0; i < n; i++)
            if (put_json_elem(ticket_json(&v[i]), JSON_REAL_PRECISION(6), 1, &printed) != 0) {
                fprintf(stderr, "sentiroutectl: ticket %llu: cannot encode\n",
                        (unsigned long long)v[i].id);
                status = 1;
            }
        put_json_end(printed);
    } else {
        print_ticket_table(v, n);
    }
    free(v);
    srctl_close(ctx, st);
    return status;
}

/* --- ticket ------------------------------------------------------------- */

static int parse_id(const char *s, uint64_t *id)
{
    char *end;

    errno = 0;
    *id = strtoull(s ? s : "", &end, 10);
    return s && *s && *end == '\0' && errno == 0 && *id > 0 ? 0 : -1;
}

/* direction_name - "in" (the customer), "out" (an agent), "note" (ours) */
static const char *direction_name(sr_direction d)
{
    return d == SR_DIR_IN ? "in" : d == SR_DIR_NOTE ? "note" : "out";
}

/* show_json_msg / show_text_msg - one message of ticket show, printed as
 * soon as it is read (sr_ticket_transcript_foreach): a transcript of
 * thousands of long messages never sits in memory whole */
static int show_json_msg(void *ud, const sr_stored_message *m)
{
    char flags[160];

    sr_flags_format(m->flags, flags, sizeof(flags));
    /* in the ticket object, two levels in: as json_dumps(JSON_INDENT(1))
     * printed the whole ticket */
    put_json_elem(json_pack("{sI ss ss sI ss sf ss so ss}", "seq", (json_int_t)m->seq,
                            "direction", direction_name(m->direction), "author",
                            m->author, "at", (json_int_t)m->at, "text", m->text, "score",
                            (double)m->score, "label", sr_label_name(m->label), "flags",
                            csv_array(flags), "lang", m->lang),
                  JSON_REAL_PRECISION(6), 2, ud);
    return ferror(stdout);
}

static int show_text_msg(void *ud, const sr_stored_message *m)
{
    char up[32];

    (void)ud;
    when(m->at, up, sizeof(up));
    /* a note is sentiroute's, for the agents: a reply that did not arrive */
    printf("#%u %s UTC  %s", m->seq, up,
           m->direction == SR_DIR_IN ? "" : m->direction == SR_DIR_NOTE ? "NOTE " : "agent ");
    put_text(m->author, 0, 0);
    if (m->direction == SR_DIR_IN)
        printf("  [%.1f %s]", (double)m->score, sr_label_name(m->label));
    putchar('\n');
    put_text(m->text, 0, 1);
    fputs("\n\n", stdout);
    return ferror(stdout);
}

static int ticket_show(sr_store *st, uint64_t id, int json)
{
    sr_ticket t;
    sr_error err;
    size_t printed = 0;
    int rc;

    if (sr_ticket_get(st, id, &t, &err) != SR_OK)
        return fail(&err);
    if (json) {
        /* the ticket's fields as json_dumps prints them, its closing
         * brace left off, then "transcript" element by element */
        json_t *j = ticket_json(&t);
        char *s = json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
        size_t len = s ? strlen(s) : 0;
        json_decref(j);
        if (s == NULL || len < 2 || s[len - 1] != '}') {
            free(s);
            fprintf(stderr, "sentiroutectl: ticket %llu: out of memory\n",
                    (unsigned long long)id);
            return 1;
        }
        s[len - 1] = '\0';
        while (len > 1 && s[len - 2] == '\n')
            s[--len - 1] = '\0';
        printf("%s%s\n \"transcript\": ", s, len > 2 ? "," : "");
        free(s);
        rc = sr_ticket_transcript_foreach(st, id, show_json_msg, &printed, &err);
        put_json_end_at(printed, 2);
        puts("}");
    } else {
        char up[32], cr[32], flags[160];
        when(t.created, cr, sizeof(cr));
        when(t.updated, up, sizeof(up));
        sr_flags_format(t.flags, flags, sizeof(flags));
        printf("ticket %llu  %s  %s  queue %s  priority %s\n", (unsigned long long)t.id,
               sr_channel_name(t.channel), sr_status_name(t.status), t.queue,
               sr_priority_name(t.priority));
        fputs("subject:   ", stdout);
        put_text(t.subject, 0, 0);
        fputs("\nrequester: ", stdout);
        put_text(t.requester, 0, 0);
        putchar(' ');
        put_text(t.requester_name, 0, 0);
        fputs(*t.email ? " email " : "", stdout);
        put_text(t.email, 0, 0);
        putchar('\n');
        printf("sentiment: %.1f %s%s%s%s lang %s%s\n", (double)t.score, sr_label_name(t.label),
               *flags ? " (" : "", flags, *flags ? ")" : "", t.lang,
               t.turned_worse ? "  TURNED SHARPLY WORSE" : "");
        printf("profile:   %s order value %.2f%s\n", *t.profile_id ? t.profile_id : "-",
               t.order_value, t.vip ? " VIP" : "");
        printf("tags:      %s\nhandoff:   %s ", *t.tags ? t.tags : "-",
               t.handed_off ? t.method : "no");
        put_text(t.remote_id, 0, 0);
        printf("\ncreated:   %s UTC  updated %s UTC\n\n", cr, up);
        rc = sr_ticket_transcript_foreach(st, id, show_text_msg, NULL, &err);
    }
    if (rc != SR_OK)
        return fail(&err);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "sentiroutectl: ticket %llu: cannot write the output\n",
                (unsigned long long)id);
        return 1;
    }
    return 0;
}

static int cmd_ticket(const srctl_opts *o, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL;
    uint64_t id, out = 0;
    sr_ctx *ctx;
    sr_store *st;
    sr_error err;
    int status, rc = SR_OK, json = 0;

    if (sub == NULL || argc < 3 || parse_id(argv[2], &id) != 0)
        return srctl_usage_error("usage: ticket show|close|reopen|split|reply|assign|handoff ID");
    /* one ticket each, options exactly as documented: a second id or a
     * stray word is refused before anything is written */
    if (((strcmp(sub, "close") == 0 || strcmp(sub, "reopen") == 0) && argc != 3) ||
        (strcmp(sub, "assign") == 0 && argc > 4) ||
        (strcmp(sub, "reply") == 0 && argc != 3 &&
         (argc != 5 || strcmp(argv[3], "--author") != 0)) ||
        (strcmp(sub, "handoff") == 0 && argc != 3 &&
         (argc != 5 || strcmp(argv[3], "--reason") != 0)))
        return srctl_usage_error("usage: ticket close ID | reopen ID | assign ID [NAME] | "
                                 "reply ID [--author A] | handoff ID [--reason TEXT]");
    if (strcmp(sub, "show") == 0) {
        if (argc > 3 && (argc != 5 || strcmp(argv[3], "--format") != 0 ||
                         (strcmp(argv[4], "json") != 0 && strcmp(argv[4], "text") != 0)))
            return srctl_usage_error("ticket show ID [--format json|text]");
        json = argc == 5 && strcmp(argv[4], "json") == 0;
        if ((status = srctl_open(o, SR_STORE_RDONLY, &ctx, &st)) != 0)
            return status;
        status = ticket_show(st, id, json);
        srctl_close(ctx, st);
        return status;
    }
    if ((status = srctl_open(o, 0, &ctx, &st)) != 0)
        return status;
    if (strcmp(sub, "close") == 0) {
        rc = sr_ticket_close(st, id, &err);
    } else if (strcmp(sub, "reopen") == 0) {
        rc = sr_ticket_reopen(st, id, &err);
    } else if (strcmp(sub, "split") == 0) {
        uint64_t at;
        if (argc != 5 || strcmp(argv[3], "--at") != 0 || parse_id(argv[4], &at) != 0 ||
            at > UINT32_MAX) {
            srctl_close(ctx, st);
            return srctl_usage_error("ticket split ID --at SEQ (SEQ.. move to a new ticket)");
        }
        rc = sr_ticket_split(st, id, (uint32_t)at, &out, &err);
        if (rc == SR_OK)
            printf("split: messages %llu.. of ticket %llu are now ticket %llu\n",
                   (unsigned long long)at, (unsigned long long)id, (unsigned long long)out);
    } else if (strcmp(sub, "reply") == 0) {
        const char *author = argc == 5 && strcmp(argv[3], "--author") == 0 ? argv[4] : "agent";
        size_t len;
        int cut;
        char *text = read_all(stdin, 1u << 20, &len, &cut);
        if (text != NULL && cut) {
            /* a cut reply would reach the customer as if complete */
            free(text);
            fprintf(stderr, "sentiroutectl: reply: longer than 1 MiB, nothing sent\n");
            srctl_close(ctx, st);
            return 1;
        }
        rc = text ? sr_ticket_reply(st, id, author, text, len, &out, &err) : SR_ENOMEM;
        free(text);
        if (rc == SR_OK)
            printf("reply queued as job %llu\n", (unsigned long long)out);
    } else if (strcmp(sub, "assign") == 0) {
        rc = sr_ticket_assign(st, id, argc > 3 ? argv[3] : NULL, &err);
    } else if (strcmp(sub, "handoff") == 0) {
        rc = sr_handoff_request(st, id, argc == 5 ? argv[4] : "requested by an agent", &out,
                                &err);
        if (rc == SR_OK)
            printf("handoff %s (job %llu)\n", out ? "queued" : "already done",
                   (unsigned long long)out);
    } else {
        srctl_close(ctx, st);
        return srctl_usage_error("unknown ticket command '%s'", sub);
    }
    status = rc == SR_OK ? 0 : rc == SR_ENOMEM ? 1 : fail(&err);
    srctl_close(ctx, st);
    return status;
}

/* --- outbox ------------------------------------------------------------ */

static int outbox_list(sr_store *st, unsigned mask, int json)
{
    sr_job *v;
    size_t n;
    sr_error err;
    int status = 0;

    if (sr_outbox_list(st, mask, &v, &n, &err) != SR_OK)
        return fail(&err);
    if (json) {
        /* one job at a time (see cmd_tickets) */
        size_t printed = 0;
        for (size_t i = 0; i < n; i++)
            if (put_json_elem(
                    json_pack("{sI ss ss sI sI ss si sI sI sI ss ss ss ss}", "id",
                               (json_int_t)v[i].id, "kind", v[i].kind, "target", v[i].target,
                               "ticket", (json_int_t)v[i].ticket_id, "seq",
                               (json_int_t)v[i].msg_seq, "state", sr_job_state_name(v[i].state),
                               "attempts", v[i].attempts, "created", (json_int_t)v[i].created,
                               "next_attempt_at", (json_int_t)v[i].next_attempt_at,
                               "lease_until", (json_int_t)v[i].lease_until, "claimed_by",
                               v[i].claimed_by, "last_error", v[i].last_error,
                               "idempotency_key", v[i].idem_key, "remote_id", v[i].remote_id),
                    0, 1, &printed) != 0) {
                fprintf(stderr, "sentiroutectl: job %llu: cannot encode\n",
                        (unsigned long long)v[i].id);
                status = 1;
            }
        put_json_end(printed);
    } else {
        printf("%-6s %-8s %-8s %-7s %-7s %4s %-16s %s\n", "job", "kind", "target", "ticket",
               "state", "att", "next attempt", "last error / remote id");
        for (size_t i = 0; i < n; i++) {
            char nx[32];
            when(v[i].next_attempt_at, nx, sizeof(nx));
            printf("%-6llu %-8s %-8s %-7llu %-7s %4d %-16s ", (unsigned long long)v[i].id,
                   v[i].kind, v[i].target, (unsigned long long)v[i].ticket_id,
                   sr_job_state_name(v[i].state), v[i].attempts, nx);
            /* the error text and remote id come from the helpdesk */
            put_text(v[i].state == SR_JOB_DONE ? v[i].remote_id : v[i].last_error, 0, 0);
            putchar('\n');
        }
    }
    sr_outbox_list_free(v, n);
    return status;
}

/* outbox_run - deliver; without --once keep going until nothing is pending */
static int outbox_run(sr_store *st, int argc, char **argv)
{
    static const struct option opts[] = {{"once", no_argument, NULL, '1'},
                                         {"max", required_argument, NULL, 'm'},
                                         {"worker", required_argument, NULL, 'w'},
                                         {"timeout", required_argument, NULL, 't'},
                                         {NULL, 0, NULL, 0}};
    int c, once = 0;
    size_t max = 0, ok = 0, bad = 0;
    const char *worker = NULL;
    double timeout = 0;
    time_t start = time(NULL);
    sr_error err;

    optind = 1;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case '1': once = 1; break;
        case 'm':
            if (parse_count(optarg, &max) != 0)
                return srctl_usage_error("--max needs a number, not '%s'", optarg);
            break;
        case 'w': worker = optarg; break;
        case 't':
            if (parse_secs(optarg, &timeout) != 0)
                return srctl_usage_error("--timeout needs seconds, not '%s'", optarg);
            break;
        default: return srctl_usage_error("outbox run [--once] [--max N] [--worker NAME] "
                                          "[--timeout SECS]");
        }
    }
    for (;;) {
        size_t d = 0, f = 0, npend;
        /* handoffs and comments, and agent replies by email; chat and SMS
         * replies are their adapters' to send */
        if (sr_outbox_run_jobs(st, SR_OUTBOX_HANDOFF | SR_OUTBOX_EMAIL, worker, max, &d, &f,
                               &err) != SR_OK)
            return fail(&err);
        ok += d;
        bad += f;
        if (once || (max && ok + bad >= max))
            break;
        if (sr_outbox_waiting(st, SR_OUTBOX_HANDOFF | SR_OUTBOX_EMAIL, &npend, &err) != SR_OK)
            return fail(&err);
        if (npend == 0)
            break;
        if (timeout > 0 && difftime(time(NULL), start) >= timeout) {
            fprintf(stderr, "sentiroutectl: outbox run: %zu job(s) still pending after %.0fs\n",
                    npend, timeout);
            printf("delivered %zu, failed %zu\n", ok, bad);
            return 1;
        }
        usleep(100000);
    }
    printf("delivered %zu, failed %zu\n", ok, bad);
    return 0;
}

static int cmd_outbox(const srctl_opts *o, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "list";
    sr_ctx *ctx;
    sr_store *st;
    sr_error err;
    uint64_t id;
    int status, rc;

    if (strcmp(sub, "list") == 0) {
        unsigned mask = 0;
        int json = 0;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
                i++;
                if (strcmp(argv[i], "json") != 0 && strcmp(argv[i], "table") != 0)
                    return srctl_usage_error("format is table or json");
                json = strcmp(argv[i], "json") == 0;
            } else if (strcmp(argv[i], "--state") == 0 && i + 1 < argc) {
                char buf[64];
                snprintf(buf, sizeof(buf), "%s", argv[++i]);
                for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
                    int s = strcmp(t, "pending") == 0 ? 0 : strcmp(t, "done") == 0 ? 1
                              : strcmp(t, "failed") == 0 ? 2 : -1;
                    if (s < 0)
                        return srctl_usage_error("state is pending, done or failed");
                    mask |= 1u << s;
                }
            } else {
                return srctl_usage_error("outbox list [--state S,..] [--format table|json]");
            }
        }
        if ((status = srctl_open(o, SR_STORE_RDONLY, &ctx, &st)) != 0)
            return status;
        status = outbox_list(st, mask, json);
        srctl_close(ctx, st);
        return status;
    }
    if (strcmp(sub, "run") == 0) {
        if ((status = srctl_open(o, 0, &ctx, &st)) != 0)
            return status;
        status = outbox_run(st, argc - 1, argv + 1);
        srctl_close(ctx, st);
        return status;
    }
    /* drop [--force] ID or drop ID --force */
    int force = strcmp(sub, "drop") == 0 && argc == 4 &&
                (strcmp(argv[2], "--force") == 0 || strcmp(argv[3], "--force") == 0);
    const char *arg = force && strcmp(argv[2], "--force") == 0 ? argv[3] : argv[2];
    if ((strcmp(sub, "retry") != 0 && strcmp(sub, "drop") != 0) || argc != 3 + force ||
        parse_id(arg, &id) != 0)
        return srctl_usage_error("outbox list|run|retry ID|drop [--force] ID");
    if ((status = srctl_open(o, 0, &ctx, &st)) != 0)
        return status;
    rc = strcmp(sub, "retry") == 0 ? sr_outbox_retry(st, id, &err)
                                   : sr_outbox_drop(st, id, force, &err);
    status = rc == SR_OK ? 0 : fail(&err);
    /* a worker is sending the job: try again when its attempt is over */
    if (rc == SR_EEXIST)
        status = EX_TEMPFAIL;
    srctl_close(ctx, st);
    return status;
}

/* --- profiles ---------------------------------------------------------- */

static int cmd_profiles(const srctl_opts *o, int argc, char **argv)
{
    sr_ctx *ctx;
    sr_store *st;
    sr_error err;
    int status;

    if (argc >= 3 && strcmp(argv[1], "import") == 0) {
        const char *fmt = argc == 5 && strcmp(argv[3], "--format") == 0 ? argv[4] : NULL;
        size_t n;
        if (argc != 3 && fmt == NULL)
            return srctl_usage_error("profiles import FILE [--format csv|json]");
        if ((status = srctl_open(o, 0, &ctx, &st)) != 0)
            return status;
        if (sr_profile_import(st, argv[2], fmt, &n, &err) != SR_OK)
            status = fail(&err);
        else
            printf("imported %zu profile(s)\n", n);
        srctl_close(ctx, st);
        return status;
    }
    if (argc == 3 && strcmp(argv[1], "show") == 0) {
        sr_profile p;
        if ((status = srctl_open(o, SR_STORE_RDONLY, &ctx, &st)) != 0)
            return status;
        if (sr_profile_get(st, argv[2], &p, &err) != SR_OK)
            status = fail(&err);
        else
            print_json(json_pack("{ss ss ss ss sf sb}", "key", p.key, "name", p.name,
                                 "profile_id", p.profile_id, "email", p.email, "order_value",
                                 p.order_value, "vip", p.vip));
        srctl_close(ctx, st);
        return status;
    }
    return srctl_usage_error("profiles import FILE [--format csv|json] | profiles show KEY");
}

/* --- dispatch ---------------------------------------------------------- */

static const struct {
    const char *name;
    srctl_cmd_fn fn;
} cmds[] = {{"ingest", cmd_ingest},   {"rescore", cmd_rescore},   {"tickets", cmd_tickets},
            {"ticket", cmd_ticket},   {"outbox", cmd_outbox},     {"profiles", cmd_profiles},
            {"report", srctl_report}, {"metrics", srctl_metrics}};

srctl_cmd_fn srctl_find(const char *name)
{
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (strcmp(cmds[i].name, name) == 0)
            return cmds[i].fn;
    return NULL;
}

void srctl_usage(FILE *fp)
{
    fputs("  ingest --channel email|chat|sms --from ID [--thread ID] [--at TIME]\n"
          "         [--subject S] [--message-id ID] [--in-reply-to ID] [--references IDS]\n"
          "         [--name NAME] [--email ADDR] [--handoff] [--rfc822]\n"
          "                     one inbound message from stdin: score, route, store, outbox\n"
          "  ingest --jsonl     one JSON message per line, an ack line after each commit\n"
          "  rescore            re-score every stored ticket (after a model change)\n"
          "  tickets [--view NAME] [--label L,..] [--status S,..] [--channel C,..]\n"
          "         [--queue Q] [--lang LL] [--tag T] [--vip]\n"
          "         [--sort time|score|order_value|id|priority] [--reverse] [--limit N]\n"
          "         [--format table|json]\n"
          "  ticket show ID [--format json|text] | close ID | reopen ID\n"
          "  ticket split ID --at SEQ | reply ID [--author A] (text on stdin)\n"
          "  ticket assign ID [NAME] | handoff ID [--reason TEXT]\n"
          "  outbox list [--state pending,done,failed] [--format table|json]\n"
          "  outbox run [--once] [--max N] [--worker NAME] [--timeout SECS]\n"
          "  outbox retry ID | drop [--force] ID (exit 75 while a worker sends it)\n"
          "  profiles import FILE [--format csv|json] | profiles show KEY\n"
          "  report --week [--end DATE] [--svg FILE] [--format table|json]\n"
          "  metrics            Prometheus text format\n",
          fp);
}
