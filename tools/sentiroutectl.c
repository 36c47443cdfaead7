/*
 * sentiroutectl - score text, check the configuration, inspect sentiroute
 *
 * SYNOPSIS
 *   sentiroutectl [-c CONFIG] score [--lang LL] [--format json|table] [TEXT...]
 *   sentiroutectl [-c CONFIG] score --lines [--lang LL]
 *   sentiroutectl [-c CONFIG] score --files [--sort] [--format json|table] FILE...
 *   sentiroutectl [-c CONFIG] eval [--scale S] [--json] FILE.tsv...
 *   sentiroutectl [-c CONFIG] configtest [--dump]
 *   sentiroutectl version
 *
 * DESCRIPTION
 *   score        Score TEXT (the arguments joined by spaces) or, without
 *                arguments, all of standard input, and print one JSON
 *                object: score, label, flags, lang and the cues.
 *   score --lines
 *                One document per input line, one JSON object per output
 *                line, streaming: memory stays flat however many lines
 *                come and however long they are (each line is read up to
 *                scoring.max_text_bytes; the rest of it is skipped).
 *   score --files
 *                Each FILE is one document; --sort orders by score, lowest
 *                (angriest) first; --format table prints a readable table
 *                with the cues that explain each score.
 *   configtest   Load and check the configuration and exit; --dump prints
 *                the effective values.
 *
 * EXIT STATUS
 *   0 success, 1 runtime error, 2 usage error, 74 the store cannot be opened,
 *   78 configuration error.
 */
#include "build-config.h"

#include <sentiroute.h>

#include "ctl.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "ctl.h"

#define EXIT_USAGE SRCTL_EXIT_USAGE

static const char *progname = "sentiroutectl";

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: %s [-c CONFIG] COMMAND [ARGS]\n"
            "\n"
            "commands:\n"
            "  score [--lang LL] [--format json|table] [TEXT...]\n"
            "                     score TEXT, or standard input when no TEXT is given\n"
            "  score --lines [--lang LL]\n"
            "                     one document per input line -> one JSON object per line\n"
            "  score --files [--sort] [--format json|table] FILE...\n"
            "                     one document per file\n"
            "  eval [--scale auto|rating|stars|binary|labels] [--json] FILE.tsv...\n"
            "                     measure the scorer on labelled data (gold TAB text)\n"
            "  configtest [--dump]\n"
            "                     check the configuration (and print effective values)\n"
            "  version            print the version\n",
            progname);
    srctl_usage(fp);
    fprintf(fp,
            "\n"
            "options:\n"
            "  -c CONFIG          configuration file (default: built-in defaults)\n"
            "  --store DIR        the store directory (overrides store.path)\n"
            "  -h, --help         this text\n");
}

int srctl_usage_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help'.\n", progname);
    return EXIT_USAGE;
}

/* srctl_load_ctx - the config (file or defaults) and a context */
sr_ctx *srctl_load_ctx(const char *config_path, int *status)
{
    sr_error err;
    sr_config *cfg;
    sr_ctx *ctx;

    cfg = config_path ? sr_config_load(config_path, &err) : sr_config_new_default(&err);
    if (cfg == NULL) {
        fprintf(stderr, "%s: %s: %s\n", progname, err.where, err.msg);
        *status = err.code == SR_ECONFIG || err.code == SR_EIO ? EX_CONFIG : 1;
        return NULL;
    }
    ctx = sr_ctx_new(cfg, &err);
    sr_config_unref(cfg);
    if (ctx == NULL) {
        fprintf(stderr, "%s: %s: %s\n", progname, err.where, err.msg);
        *status = EX_CONFIG;
        return NULL;
    }
    return ctx;
}

/* text_cap - bytes worth reading: the scorer reads no more than the
 * configured cap; one byte more lets it see (and flag) the truncation */
static size_t text_cap(const sr_ctx *ctx)
{
    long long cap = 65536;

    sr_config_get_int(sr_ctx_config(ctx), "scoring.max_text_bytes", &cap);
    return (size_t)cap + 1;
}

/* read_capped - read all of fp, keeping at most cap bytes */
static char *read_capped(FILE *fp, size_t cap, size_t *len)
{
    size_t size = 65536, n = 0;
    char *buf = malloc(size);
    char skip[65536];

    if (buf == NULL)
        return NULL;
    for (;;) {
        size_t want, got;
        if (n == cap) {
            if (fread(skip, 1, sizeof(skip), fp) == 0)
                break;
            continue;
        }
        if (n == size) {
            size_t ns = size * 2 > cap ? cap : size * 2;
            char *nb = realloc(buf, ns);
            if (nb == NULL) {
                free(buf);
                return NULL;
            }
            buf = nb;
            size = ns;
        }
        want = size - n;
        got = fread(buf + n, 1, want, fp);
        n += got;
        if (got == 0)
            break;
    }
    *len = n;
    return buf;
}

static void print_table_header(void)
{
    printf("%-5s %-9s %-4s %-28s %s\n", "score", "label", "lang", "flags", "document / cues");
}

static void print_table_row(const sr_sentiment *s, const char *name)
{
    char flags[160];

    sr_flags_format(s->flags, flags, sizeof(flags));
    printf("%5.1f %-9s %-4s %-28s %s\n", (double)s->score, sr_label_name(s->label), s->lang,
           flags[0] ? flags : "-", name);
    for (unsigned i = 0; i < s->ncues; i++) {
        char mods[64];

        /* "Great (word: irony)": the kind, then what changed its weight */
        sr_cue_mods_format(s->cues[i].mods, mods, sizeof(mods));
        printf("%50s %+7.3f  %s (%s%s%s)\n", "", (double)s->cues[i].weight, s->cues[i].text,
               sr_cue_kind_name((sr_cue_kind)s->cues[i].kind), mods[0] ? ": " : "", mods);
    }
}

static int print_json(const sr_sentiment *s, const char *file)
{
    char buf[8192];
    size_t n = sr_sentiment_format_json(s, buf, sizeof(buf));

    if (n >= sizeof(buf))
        return -1;
    if (file != NULL) {
        /* splice "file": name in front; names are printed as JSON strings */
        putchar('{');
        putchar('"');
        fputs("file\":\"", stdout);
        for (const char *p = file; *p; p++) {
            unsigned char c = (unsigned char)*p;
            if (c == '"' || c == '\\')
                printf("\\%c", c);
            else if (c < 0x20)
                printf("\\u%04x", c);
            else
                putchar(c);
        }
        printf("\",%s\n", buf + 1);
    } else {
        puts(buf);
    }
    return 0;
}

/* score_lines - one document per line, flat memory */
static int score_lines(const sr_ctx *ctx, const char *lang, size_t cap)
{
    size_t size = cap + 1;
    char *line = malloc(size);
    char chunk[65536];
    size_t n = 0, lines = 0;
    int skipping = 0, status = 0;
    sr_sentiment s;
    sr_error err;

    if (line == NULL) {
        fprintf(stderr, "%s: out of memory\n", progname);
        return 1;
    }
    for (;;) {
        size_t got = fread(chunk, 1, sizeof(chunk), stdin);
        size_t i = 0;

        if (got == 0) {
            if (ferror(stdin)) {
                fprintf(stderr, "%s: read error: %s\n", progname, strerror(errno));
                status = 1;
            }
            break;
        }
        while (i < got) {
            char *nl = memchr(chunk + i, '\n', got - i);
            size_t seg = nl ? (size_t)(nl - (chunk + i)) : got - i;

            if (!skipping) {
                size_t take = seg;
                if (n + take > cap) {
                    take = cap - n;
                    skipping = 1;
                }
                memcpy(line + n, chunk + i, take);
                n += take;
            }
            i += seg;
            if (nl) {
                i++;
                if (n > 0 && line[n - 1] == '\r')
                    n--;
                int rc = sr_score_text(ctx, line, n, lang, &s, &err);
                if (rc == SR_OK && skipping)
                    s.flags |= SR_FLAG_TRUNCATED;
                if (rc != SR_OK || print_json(&s, NULL) != 0) {
                    fprintf(stderr, "%s: line %zu: cannot score\n", progname, lines + 1);
                    status = 1;
                }
                lines++;
                n = 0;
                skipping = 0;
            }
        }
    }
    if (n > 0 || skipping) {
        if (sr_score_text(ctx, line, n, lang, &s, &err) == SR_OK) {
            if (skipping)
                s.flags |= SR_FLAG_TRUNCATED;
            print_json(&s, NULL);
        }
    }
    free(line);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "%s: write error: %s\n", progname, strerror(errno));
        status = 1;
    }
    return status;
}

typedef struct scored_file {
    const char *name;
    sr_sentiment s;
} scored_file;

static int cmp_score(const void *a, const void *b)
{
    const scored_file *x = a, *y = b;

    if (x->s.score != y->s.score)
        return x->s.score < y->s.score ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int score_files(const sr_ctx *ctx, char **files, int nfiles, const char *lang, int sort,
                       int table)
{
    scored_file *res = calloc((size_t)nfiles, sizeof(*res));
    int status = 0, n = 0;

    if (res == NULL) {
        fprintf(stderr, "%s: out of memory\n", progname);
        return 1;
    }
    for (int i = 0; i < nfiles; i++) {
        FILE *fp = fopen(files[i], "rb");
        size_t len;
        char *text;
        sr_error err;

        if (fp == NULL) {
            fprintf(stderr, "%s: %s: %s\n", progname, files[i], strerror(errno));
            status = 1;
            continue;
        }
        text = read_capped(fp, text_cap(ctx), &len);
        fclose(fp);
        if (text == NULL) {
            fprintf(stderr, "%s: %s: out of memory\n", progname, files[i]);
            status = 1;
            continue;
        }
        if (sr_score_text(ctx, text, len, lang, &res[n].s, &err) == SR_OK) {
            res[n].name = files[i];
            n++;
        } else {
            fprintf(stderr, "%s: %s: %s\n", progname, files[i], err.msg);
            status = 1;
        }
        free(text);
    }
    if (sort)
        qsort(res, (size_t)n, sizeof(*res), cmp_score);
    if (table)
        print_table_header();
    for (int i = 0; i < n; i++) {
        if (table)
            print_table_row(&res[i].s, res[i].name);
        else
            print_json(&res[i].s, res[i].name);
    }
    free(res);
    return status;
}

static int cmd_score(const char *config_path, int argc, char **argv)
{
    static const struct option opts[] = {
        {"lines", no_argument, NULL, 'l'},    {"files", no_argument, NULL, 'F'},
        {"lang", required_argument, NULL, 'L'}, {"format", required_argument, NULL, 'o'},
        {"sort", no_argument, NULL, 's'},     {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int lines = 0, files = 0, sort = 0, table = 0, c, status = 0;
    const char *lang = NULL;
    sr_ctx *ctx;

    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'l': lines = 1; break;
        case 'F': files = 1; break;
        case 's': sort = 1; break;
        case 'L': lang = optarg; break;
        case 'o':
            if (strcmp(optarg, "json") == 0)
                table = 0;
            else if (strcmp(optarg, "table") == 0)
                table = 1;
            else
                return srctl_usage_error("unknown format '%s' (json or table)", optarg);
            break;
        case 'h': usage(stdout); return 0;
        default: return srctl_usage_error("%s", "bad option for score");
        }
    }
    argc -= optind;
    argv += optind;
    if (lines && (files || argc > 0))
        return srctl_usage_error("%s", "--lines reads standard input only");
    if (files && argc == 0)
        return srctl_usage_error("%s", "--files needs at least one FILE");
    if (sort && !files)
        return srctl_usage_error("%s", "--sort works with --files");
    if (lines && table)
        return srctl_usage_error("%s", "--lines prints JSON");
    if (lang != NULL && (strlen(lang) < 2 || strlen(lang) > 3))
        return srctl_usage_error("bad language code '%s'", lang);

    ctx = srctl_load_ctx(config_path, &status);
    if (ctx == NULL)
        return status;
    if (lines) {
        long long cap = 65536;
        sr_config_get_int(sr_ctx_config(ctx), "scoring.max_text_bytes", &cap);
        status = score_lines(ctx, lang, (size_t)cap);
    } else if (files) {
        status = score_files(ctx, argv, argc, lang, sort, table);
    } else {
        sr_sentiment s;
        sr_error err;
        char *text;
        size_t len = 0;

        if (argc > 0) {
            size_t total = 1;
            for (int i = 0; i < argc; i++)
                total += strlen(argv[i]) + 1;
            text = malloc(total);
            if (text != NULL) {
                for (int i = 0; i < argc; i++) {
                    size_t k = strlen(argv[i]);
                    if (i)
                        text[len++] = ' ';
                    memcpy(text + len, argv[i], k);
                    len += k;
                }
                text[len] = '\0';
            }
        } else {
            text = read_capped(stdin, text_cap(ctx), &len);
        }
        if (text == NULL) {
            fprintf(stderr, "%s: out of memory\n", progname);
            status = 1;
        } else if (sr_score_text(ctx, text, len, lang, &s, &err) != SR_OK) {
            fprintf(stderr, "%s: %s\n", progname, err.msg);
            status = 1;
        } else if (table) {
            print_table_header();
            print_table_row(&s, argc > 0 ? "(arguments)" : "(stdin)");
        } else {
            print_json(&s, NULL);
        }
        free(text);
    }
    sr_ctx_free(ctx);
    return status;
}

static int cmd_configtest(const char *config_path, int argc, char **argv)
{
    sr_error err;
    sr_config *cfg;
    sr_ctx *ctx;
    int dump = argc > 1 && strcmp(argv[1], "--dump") == 0;

    if (argc > 2 || (argc == 2 && !dump))
        return srctl_usage_error("%s", "configtest takes only --dump");
    cfg = config_path ? sr_config_load(config_path, &err) : sr_config_new_default(&err);
    if (cfg == NULL) {
        fprintf(stderr, "%s: %s: %s\n", progname, err.where, err.msg);
        return EX_CONFIG;
    }
    ctx = sr_ctx_new(cfg, &err);
    if (ctx == NULL) {
        fprintf(stderr, "%s: %s: %s\n", progname, err.where, err.msg);
        sr_config_unref(cfg);
        return EX_CONFIG;
    }
    if (dump && sr_config_dump(cfg, STDOUT_FILENO, &err) != SR_OK) {
        fprintf(stderr, "%s: %s\n", progname, err.msg);
        sr_ctx_free(ctx);
        sr_config_unref(cfg);
        return 1;
    }
    fprintf(stderr, "%s: configuration %s OK\n", progname,
            config_path ? config_path : "(built-in defaults)");
    sr_ctx_free(ctx);
    sr_config_unref(cfg);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},
                                         {"store", required_argument, NULL, 'S'},
                                         {NULL, 0, NULL, 0}};
    const char *config_path = getenv("SENTIROUTE_CONFIG");
    srctl_opts so = {NULL, NULL};
    srctl_cmd_fn store_cmd;
    int c;

    while ((c = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config_path = optarg; break;
        case 'S': so.store_dir = optarg; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("sentiroutectl %s\n", sr_version()); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (config_path != NULL && *config_path == '\0')
        config_path = NULL;
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    argc -= optind;
    argv += optind;
    if (strcmp(argv[0], "score") == 0)
        return cmd_score(config_path, argc, argv);
    if (strcmp(argv[0], "configtest") == 0)
        return cmd_configtest(config_path, argc, argv);
    if (strcmp(argv[0], "eval") == 0)
        return srctl_eval(config_path, argc, argv);
    so.config_path = config_path;
    if ((store_cmd = srctl_find(argv[0])) != NULL)
        return store_cmd(&so, argc, argv);
    if (strcmp(argv[0], "version") == 0) {
        printf("sentiroutectl %s\n", sr_version());
        return 0;
    }
    if (strcmp(argv[0], "help") == 0) {
        usage(stdout);
        return 0;
    }
    return srctl_usage_error("unknown command '%s'", argv[0]);
}
