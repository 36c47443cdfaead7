/*
 * drive_milter - the milter's end-of-message work without Postfix, for
 * deterministic before/after comparisons (instruction counts under
 * callgrind, syscalls under strace -c, pages written per ingest)
 *
 *   drive_milter [-g] [-n N] [-s 2KB|200KB] [-w extract|ingest|all] CONFIG
 *
 * Builds the mails of tests/bench/bench_milter.py (the same texts and
 * headers; "200KB" with a base64 attachment of pseudo-random bytes), the
 * buffer the milter would hold (the headers srm_extract reads, a blank
 * line, the body), then for each of N messages does what mlfi_eom does:
 * srm_extract, an sr_message, srm_ticket_append (the store of CONFIG,
 * opened as the milter opens it) or sr_score when milter.tickets is
 * false, and the X-Sentiment value.  -w extract stops after the
 * extraction; -w ingest extracts once and ingests N times.
 * -g: GMime's parser for every message (srm_extract_set_fast(0)), the
 * extraction as it was before the short way for one-part mail.
 * Prints CPU (user + system) and wall time per message and the data
 * file's last page before and after.
 */
#include "build-config.h"

#include "srm.h"

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define NPOOL 50   /* distinct mails, made before the timed loop */

static const char *const texts[] = {
    "I am furious. The parcel never arrived, this is the third time I write and still no answer. "
    "If nobody calls me today I will file a chargeback.",
    "Ich bin sehr enttäuscht, die Lieferung ist kaputt angekommen und niemand antwortet auf meine "
    "Mails. Bitte rufen Sie mich zurück.",
    "Merci beaucoup, le service était excellent et la livraison très rapide. Je vous recommande à "
    "tous mes amis !",
    "Estoy muy contento con la atención, gracias por resolverlo tan rápido. Lo recomiendo.",
    "Jestem bardzo zły, paczka nie dotarła, a obsługa klienta w ogóle nie odpowiada.",
    "Could you tell me when my order will ship? I ordered it last Monday. Thanks.",
};

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (b->p == NULL)
            abort();
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* body_lines - bench_milter's body: ~1.7 KB of one language, CRLF */
static void body_lines(buf *b, int i)
{
    size_t lang = (size_t)i % 6, total = 0;

    for (int k = 0; total < 1700; k++) {
        const char *t = k == 0 ? texts[(lang + (size_t)k) % 6] : texts[lang];
        puts_(b, t);
        puts_(b, "\r\n");
        total += strlen(t) + 1;
    }
}

/* make_mail - the milter's buffer for bench message i */
static void make_mail(buf *b, int i, int big, char *sender, size_t ssize)
{
    char line[256];
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned x = 7u + (unsigned)i;

    b->len = 0;
    snprintf(sender, ssize, "customer%d@example.org", i % 50);
    snprintf(line, sizeof(line), "From: Customer %d <%s>\r\n", i % 50, sender);
    puts_(b, line);
    snprintf(line, sizeof(line), "Subject: order %d\r\n", 1000 + i);
    puts_(b, line);
    snprintf(line, sizeof(line), "Message-ID: <bench-%d-%d@example.org>\r\n", (int)getpid(), i);
    puts_(b, line);
    puts_(b, "MIME-Version: 1.0\r\n");
    if (!big) {
        puts_(b, "Content-Type: text/plain; charset=utf-8\r\n"
                 "Content-Transfer-Encoding: 8bit\r\n\r\n");
        body_lines(b, i);
        return;
    }
    puts_(b, "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n"
             "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
    body_lines(b, i);
    puts_(b, "\r\n--b1\r\nContent-Type: application/pdf; name=\"invoice.pdf\"\r\n"
             "Content-Transfer-Encoding: base64\r\n"
             "Content-Disposition: attachment; filename=\"invoice.pdf\"\r\n\r\n");
    for (int l = 0; l < 146000 / 57 + 1; l++) {
        for (int c = 0; c < 76; c++) {
            x = x * 1103515245u + 12345u;
            line[c] = b64[(x >> 16) & 63];
        }
        line[76] = '\r';
        line[77] = '\n';
        put(b, line, 78);
    }
    puts_(b, "\r\n--b1--\r\n");
}

static double cpu_now(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static double wall_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* last_page - the data file's last used page (mdb_stat on the store dir) */
static long last_page(const char *dir)
{
    MDB_env *env;
    MDB_envinfo info;
    long r = -1;

    if (mdb_env_create(&env) != 0)
        return -1;
    mdb_env_set_maxdbs(env, 16);
    if (mdb_env_open(env, dir, MDB_RDONLY, 0) == 0 && mdb_env_info(env, &info) == 0)
        r = (long)info.me_last_pgno;
    mdb_env_close(env);
    return r;
}

int main(int argc, char **argv)
{
    int n = 1000, big = 0, opt, what = 2;   /* 0 extract, 1 ingest, 2 all */
    srm_conf *c;
    sr_error err;
    buf mail = {0}, pool[NPOOL] = {{0}};
    char senders[NPOOL][64];
    char sender[64], val[256];
    double c0, w0;
    long p0 = -1, p1 = -1;
    int fails = 0;
    srm_mail once;
    const char *store_dir = NULL;

    while ((opt = getopt(argc, argv, "gn:s:w:")) != -1) {
        if (opt == 'g')
            srm_extract_set_fast(0);
        else if (opt == 'n')
            n = atoi(optarg);
        else if (opt == 's')
            big = strcmp(optarg, "200KB") == 0;
        else if (opt == 'w')
            what = strcmp(optarg, "extract") == 0 ? 0 : strcmp(optarg, "ingest") == 0 ? 1 : 2;
        else
            goto usage;
    }
    if (optind + 1 != argc)
        goto usage;
    c = srm_conf_load(argv[optind], NULL, NULL, &err);
    if (c == NULL) {
        fprintf(stderr, "drive_milter: %s\n", err.msg);
        return 1;
    }
    srm_extract_init();
    if (what != 0 && c->tickets && srm_tickets_open(c, &err) != 0) {
        fprintf(stderr, "drive_milter: store: %s\n", err.msg);
        return 1;
    }
    {
        const char *p = NULL;
        sr_config_get_string(c->cfg, "store.path", &p);
        store_dir = p;
    }
    if (what != 0 && c->tickets && store_dir)
        p0 = last_page(store_dir);
    memset(&once, 0, sizeof(once));
    if (what == 1) {
        make_mail(&mail, 0, big, sender, sizeof(sender));
        if (srm_extract(mail.p, mail.len, &c->lim, &once) != 0)
            return 1;
    }
    for (int i = 0; what != 1 && i < NPOOL && i < n; i++)
        make_mail(&pool[i], i, big, senders[i], sizeof(senders[i]));
    c0 = cpu_now();
    w0 = wall_now();
    for (int i = 0; i < n; i++) {
        srm_mail m;
        sr_message *msg;
        sr_sentiment s;
        srm_ticket t;
        char mid[64];

        if (what != 1) {
            const buf *b = &pool[i % NPOOL];
            memcpy(sender, senders[i % NPOOL], sizeof(sender));
            if (srm_extract(b->p, b->len, &c->lim, &m) != 0) {
                fails++;
                continue;
            }
            if (what == 0) {
                srm_mail_clear(&m);
                continue;
            }
            /* the pool repeats: a Message-ID of its own for the index */
            free(m.message_id);
            snprintf(mid, sizeof(mid), "<bench-%d-%d@example.org>", (int)getpid(), i);
            m.message_id = strdup(mid);
        } else {
            m = once;
            snprintf(mid, sizeof(mid), "<drive-%d-%d@example.org>", (int)getpid(), i);
            m.message_id = mid;
        }
        msg = sr_message_new(SR_CHANNEL_EMAIL, &err);
        if (msg == NULL || sr_message_set_text(msg, m.text, m.len, 0, &err) != SR_OK ||
            sr_message_set_sender(msg, m.from_addr && *m.from_addr ? m.from_addr : sender,
                                  &err) != SR_OK) {
            fails++;
        } else if (c->tickets) {
            if (srm_ticket_append(c, msg, &m, &t, &err) != SR_OK)
                fails++;
            else
                srm_format_sentiment(&t.sentiment, val, sizeof(val));
        } else if (sr_score(c->ctx, msg, &s, &err) != SR_OK) {
            fails++;
        } else {
            srm_format_sentiment(&s, val, sizeof(val));
        }
        sr_message_free(msg);
        if (what != 1)
            srm_mail_clear(&m);
    }
    {
        double cpu = cpu_now() - c0, wall = wall_now() - w0;
        if (what != 0 && c->tickets)
            srm_tickets_close();
        if (what != 0 && c->tickets && store_dir)
            p1 = last_page(store_dir);
        printf("%d messages (%s, %s): %.1f us CPU/msg, %.1f us wall/msg, %d failed",
               n, big ? "200KB" : "2KB", what == 0 ? "extract" : what == 1 ? "ingest" : "all",
               cpu * 1e6 / n, wall * 1e6 / n, fails);
        if (p0 >= 0 && p1 >= 0)
            printf(", last page %ld -> %ld", p0, p1);
        printf("\n");
    }
    if (what == 1) {
        srm_mail_clear(&once);
    }
    free(mail.p);
    for (int i = 0; i < NPOOL; i++)
        free(pool[i].p);
    srm_conf_unref(c);
    return fails != 0;
usage:
    fprintf(stderr, "usage: drive_milter [-g] [-n N] [-s 2KB|200KB] [-w extract|ingest|all] CONFIG\n");
    return 2;
}
