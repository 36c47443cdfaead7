/*
 * ctl_eval.c - sentiroutectl eval: measure the scorer on labelled data
 *
 * SYNOPSIS
 *   sentiroutectl [-c CONFIG] eval [--scale auto|rating|stars|binary|labels]
 *                 [--json] FILE.tsv...
 *
 * DESCRIPTION
 *   Each FILE holds one document per line: gold <TAB> text, or, in a file
 *   named *.jsonl, {"gold": ..., "text": "..."} (texts with line breaks).  gold is a
 *   rating in [-4, 4], a star rating in (0, 5], 0/1, or neg/neu/pos
 *   (negative/neutral/positive).  --scale auto (the default) decides per file:
 *   words are labels; only 0 and 1 is binary; values in [0, 5] without a
 *   negative one are stars; anything else is a rating.
 *
 *   Three classes: labels as written; binary 0 neg, 1 pos; ratings <= -0.5
 *   neg, >= 0.5 pos; stars <= 2.0 neg, 2.5-3.0 neu, >= 3.5 pos.  Predicted
 *   class from the label: urgent/negative neg, neutral neu,
 *   positive/promoter pos.
 *
 *   Printed per file: documents, Pearson r between the 0-10 score and the
 *   gold value (labels as -1/0/1), 3-class macro-F1 (over the classes that
 *   occur in gold or prediction), binary accuracy over the documents whose
 *   gold is neg or pos (a neutral answer counts as wrong), the confusion
 *   matrix, and documents per second (scoring only, one thread).
 */
#include "build-config.h"

#include <sentiroute.h>

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

enum { NEG = 0, NEU = 1, POS = 2 };
enum { SCALE_AUTO, SCALE_RATING, SCALE_STARS, SCALE_BINARY, SCALE_LABELS };

typedef struct doc {
    double gold;    /* numeric gold (labels: -1/0/1) */
    int gold_class; /* NEG, NEU, POS */
    size_t off, len;
} doc;

typedef struct evalres {
    size_t n;
    double r;
    double macro_f1;
    double binary_acc;
    size_t binary_n;
    size_t confusion[3][3]; /* [gold][pred] */
    double docs_per_sec;
    double mb_per_sec;
    int scale;
} evalres;

static const char *const class_names[3] = {"neg", "neu", "pos"};
static const char *const scale_names[] = {"auto", "rating", "stars", "binary", "labels"};

static int label_class(const char *s)
{
    if (!strcmp(s, "neg") || !strcmp(s, "negative"))
        return NEG;
    if (!strcmp(s, "neu") || !strcmp(s, "neutral"))
        return NEU;
    if (!strcmp(s, "pos") || !strcmp(s, "positive"))
        return POS;
    return -1;
}

static int pred_class(sr_label l)
{
    switch (l) {
    case SR_LABEL_URGENT:
    case SR_LABEL_NEGATIVE: return NEG;
    case SR_LABEL_POSITIVE:
    case SR_LABEL_PROMOTER: return POS;
    default: return NEU;
    }
}

static int numeric_class(int scale, double v)
{
    switch (scale) {
    case SCALE_BINARY: return v >= 0.5 ? POS : NEG;
    case SCALE_STARS: return v <= 2.0 ? NEG : v >= 3.5 ? POS : NEU;
    default: return v <= -0.5 ? NEG : v >= 0.5 ? POS : NEU;
    }
}

/* load - read FILE into one buffer and index its documents */
static int load(const char *path, int scale_opt, char **bufp, doc **docsp, size_t *ndocs,
                int *scale_out)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL, *line = NULL;
    size_t cap = 0, used = 0, bufcap = 0, n = 0, dcap = 0;
    ssize_t got;
    doc *docs = NULL;
    int has_words = 0, only01 = 1, has_negative = 0, in05 = 1;
    unsigned lineno = 0;

    if (fp == NULL) {
        fprintf(stderr, "sentiroutectl: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t plen = strlen(path);
    const int jsonl = plen > 6 && strcmp(path + plen - 6, ".jsonl") == 0;
    while ((got = getline(&line, &cap, fp)) > 0) {
        char *tab, *end, gbuf[64];
        const char *text;
        size_t tlen;
        double v;
        json_t *obj = NULL;
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        if (got == 0)
            continue;
        if (jsonl) {
            /* {"gold": "neg" or a number, "text": "..."}: texts with line
             * breaks (mail with its sign-off) */
            json_error_t jerr;
            json_t *g, *t;
            obj = json_loadb(line, (size_t)got, 0, &jerr);
            g = obj ? json_object_get(obj, "gold") : NULL;
            t = obj ? json_object_get(obj, "text") : NULL;
            if (!json_is_string(t) || !(json_is_string(g) || json_is_number(g))) {
                fprintf(stderr, "sentiroutectl: %s:%u: want {\"gold\": ..., \"text\": \"...\"}\n",
                        path, lineno);
                json_decref(obj);
                free(line);
                free(buf);
                free(docs);
                fclose(fp);
                return -1;
            }
            if (json_is_string(g))
                snprintf(gbuf, sizeof(gbuf), "%s", json_string_value(g));
            else
                snprintf(gbuf, sizeof(gbuf), "%.17g", json_number_value(g));
            text = json_string_value(t);
            tlen = json_string_length(t);
            tab = gbuf;   /* gold */
        } else {
            tab = strchr(line, '\t');
            if (tab == NULL) {
                fprintf(stderr, "sentiroutectl: %s:%u: no TAB between gold and text\n", path,
                        lineno);
                free(line);
                free(buf);
                free(docs);
                fclose(fp);
                return -1;
            }
            *tab = '\0';
            text = tab + 1;
            tlen = (size_t)(line + got - (tab + 1));
            tab = line;   /* gold */
        }
        if (n == dcap) {
            dcap = dcap ? dcap * 2 : 1024;
            docs = realloc(docs, dcap * sizeof(*docs));
        }
        if (used + tlen + 1 > bufcap) {
            bufcap = (used + tlen + 1) * 2;
            buf = realloc(buf, bufcap);
        }
        if (docs == NULL || buf == NULL) {
            fprintf(stderr, "sentiroutectl: out of memory\n");
            exit(1);
        }
        memcpy(buf + used, text, tlen);
        buf[used + tlen] = '\0';
        json_decref(obj);   /* text is copied */
        docs[n].off = used;
        docs[n].len = tlen;
        used += tlen + 1;
        const char *gold = tab;
        v = strtod(gold, &end);
        if (end != gold && *end == '\0' && !isfinite(v)) {
            fprintf(stderr, "sentiroutectl: %s:%u: gold '%s' is not a finite number\n", path,
                    lineno, gold);
            free(line);
            free(buf);
            free(docs);
            fclose(fp);
            return -1;
        }
        if (end == gold || *end != '\0') {
            int c = label_class(gold);
            if (c < 0) {
                fprintf(stderr, "sentiroutectl: %s:%u: gold '%s' is neither a number nor "
                                "neg/neu/pos\n", path, lineno, gold);
                free(line);
                free(buf);
                free(docs);
                fclose(fp);
                return -1;
            }
            has_words = 1;
            docs[n].gold = c - 1;
            docs[n].gold_class = c;
        } else {
            docs[n].gold = v;
            docs[n].gold_class = -1;
            if (v != 0.0 && v != 1.0)
                only01 = 0;
            if (v < 0)
                has_negative = 1;
            if (v < 0 || v > 5)
                in05 = 0;
        }
        n++;
    }
    free(line);
    fclose(fp);
    int scale = scale_opt;
    if (scale == SCALE_AUTO)
        scale = has_words ? SCALE_LABELS
                : only01  ? SCALE_BINARY
                : (!has_negative && in05) ? SCALE_STARS
                                          : SCALE_RATING;
    for (size_t i = 0; i < n; i++) {
        if (docs[i].gold_class >= 0)
            continue;
        if (scale == SCALE_LABELS) {
            fprintf(stderr, "sentiroutectl: %s: numeric gold in a label file\n", path);
            free(buf);
            free(docs);
            return -1;
        }
        docs[i].gold_class = numeric_class(scale, docs[i].gold);
    }
    *bufp = buf;
    *docsp = docs;
    *ndocs = n;
    *scale_out = scale;
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void evaluate(const sr_ctx *ctx, const char *buf, const doc *docs, size_t n, int scale,
                     evalres *r)
{
    float *scores = malloc((n ? n : 1) * sizeof(*scores));
    int *pred = malloc((n ? n : 1) * sizeof(*pred));
    size_t bytes = 0;
    double t0, t1;
    sr_sentiment s;

    if (scores == NULL || pred == NULL) {
        fprintf(stderr, "sentiroutectl: out of memory\n");
        exit(1);
    }
    memset(r, 0, sizeof(*r));
    r->n = n;
    r->scale = scale;
    t0 = now();
    for (size_t i = 0; i < n; i++) {
        sr_score_text(ctx, buf + docs[i].off, docs[i].len, NULL, &s, NULL);
        scores[i] = s.score;
        pred[i] = pred_class(s.label);
        bytes += docs[i].len;
    }
    t1 = now();
    r->docs_per_sec = t1 > t0 ? (double)n / (t1 - t0) : 0;
    r->mb_per_sec = t1 > t0 ? (double)bytes / 1e6 / (t1 - t0) : 0;

    /* Pearson r */
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        double x = scores[i], y = docs[i].gold;
        sx += x;
        sy += y;
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
    }
    double cov = sxy - sx * sy / (double)n;
    double vx = sxx - sx * sx / (double)n, vy = syy - sy * sy / (double)n;
    r->r = vx > 0 && vy > 0 ? cov / sqrt(vx * vy) : 0;

    /* confusion, macro-F1, binary accuracy */
    size_t bin_ok = 0;
    for (size_t i = 0; i < n; i++) {
        r->confusion[docs[i].gold_class][pred[i]]++;
        if (docs[i].gold_class != NEU) {
            r->binary_n++;
            bin_ok += pred[i] == docs[i].gold_class;
        }
    }
    r->binary_acc = r->binary_n ? (double)bin_ok / (double)r->binary_n : 0;
    double f1sum = 0;
    int classes = 0;
    for (int c = 0; c < 3; c++) {
        size_t tp = r->confusion[c][c], gold = 0, predicted = 0;
        for (int k = 0; k < 3; k++) {
            gold += r->confusion[c][k];
            predicted += r->confusion[k][c];
        }
        if (gold == 0 && predicted == 0)
            continue;
        classes++;
        double p = predicted ? (double)tp / (double)predicted : 0;
        double rc = gold ? (double)tp / (double)gold : 0;
        f1sum += p + rc > 0 ? 2 * p * rc / (p + rc) : 0;
    }
    r->macro_f1 = classes ? f1sum / classes : 0;
    free(scores);
    free(pred);
}

static void print_text(const char *path, const evalres *r)
{
    printf("%s\n", path);
    printf("  documents      %zu (gold scale: %s)\n", r->n, scale_names[r->scale]);
    printf("  pearson_r      %.3f\n", r->r);
    printf("  macro_f1       %.3f\n", r->macro_f1);
    printf("  binary_acc     %.3f  (over %zu neg/pos documents)\n", r->binary_acc, r->binary_n);
    printf("  docs_per_sec   %.0f  (%.1f MB/s)\n", r->docs_per_sec, r->mb_per_sec);
    printf("  confusion      gold\\pred    neg    neu    pos\n");
    for (int g = 0; g < 3; g++)
        printf("                 %-9s %6zu %6zu %6zu\n", class_names[g], r->confusion[g][0],
               r->confusion[g][1], r->confusion[g][2]);
}

static void print_json(const char *path, const evalres *r)
{
    printf("{\"file\":\"");
    for (const char *p = path; *p; p++) {
        if (*p == '"' || *p == '\\')
            putchar('\\');
        if ((unsigned char)*p >= 0x20)
            putchar(*p);
    }
    printf("\",\"documents\":%zu,\"scale\":\"%s\",\"pearson_r\":%.4f,\"macro_f1\":%.4f,"
           "\"binary_acc\":%.4f,\"binary_documents\":%zu,\"docs_per_sec\":%.0f,"
           "\"mb_per_sec\":%.2f,\"confusion\":[",
           r->n, scale_names[r->scale], r->r, r->macro_f1, r->binary_acc, r->binary_n,
           r->docs_per_sec, r->mb_per_sec);
    for (int g = 0; g < 3; g++)
        printf("%s[%zu,%zu,%zu]", g ? "," : "", r->confusion[g][0], r->confusion[g][1],
               r->confusion[g][2]);
    printf("]}\n");
}

/* srctl_eval - the eval command */
int srctl_eval(const char *config_path, int argc, char **argv)
{
    int json = 0, scale = SCALE_AUTO, status = 0, nfiles = 0;
    sr_ctx *ctx;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc) {
            int k;
            for (k = 0; k < 5 && strcmp(argv[i + 1], scale_names[k]) != 0; k++)
                ;
            if (k == 5)
                return srctl_usage_error("unknown scale '%s'", argv[i + 1]);
            scale = k;
            i++;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return srctl_usage_error("unknown option '%s' for eval", argv[i]);
        } else {
            nfiles++;
        }
    }
    if (nfiles == 0)
        return srctl_usage_error("%s", "eval needs at least one FILE.tsv");
    ctx = srctl_load_ctx(config_path, &status);
    if (ctx == NULL)
        return status;
    for (int i = 1; i < argc; i++) {
        char *buf;
        doc *docs;
        size_t n;
        int sc;
        evalres r;

        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            if (strcmp(argv[i], "--scale") == 0)
                i++;
            continue;
        }
        if (load(argv[i], scale, &buf, &docs, &n, &sc) != 0) {
            status = 1;
            continue;
        }
        evaluate(ctx, buf, docs, n, sc, &r);
        if (json)
            print_json(argv[i], &r);
        else
            print_text(argv[i], &r);
        free(buf);
        free(docs);
    }
    sr_ctx_free(ctx);
    return status;
}
