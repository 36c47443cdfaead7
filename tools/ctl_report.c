/*
 * ctl_report.c - sentiroutectl report --week and metrics
 *
 * report: tickets opened per day of the week by label and channel with
 * their mean score at opening, the handoff rate, as a text table (or JSON)
 * and a hand-written SVG bar chart (stacked by label).  Read-only: it
 * opens the store like any reporting reader, never blocking the daemons.
 * metrics: Prometheus text exposition of the store's state.
 */
#include "build-config.h"

#include "ctl.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAYS 7
#define NCH 4   /* sr_channel values */

typedef struct report {
    int64_t start;                    /* 00:00 UTC of the first day */
    int created[DAYS][SR_LABEL_COUNT];
    int by_channel[DAYS][NCH];
    double sum_day[DAYS];
    double sum_label[SR_LABEL_COUNT];
    int n_label[SR_LABEL_COUNT];
    double sum_channel[NCH];
    int n_channel[NCH];
    int total, handed_off, resolved, closed;
} report;

static int on_event(void *ud, const sr_event *ev)
{
    report *r = ud;
    int64_t d = (ev->at - r->start) / 86400;

    if (d < 0 || d >= DAYS)
        return 0;
    switch (ev->type) {
    case SR_EVENT_TICKET_CREATED:
        r->created[d][ev->label]++;
        r->by_channel[d][(unsigned)ev->channel % NCH]++;
        r->sum_day[d] += ev->score;
        r->sum_label[ev->label] += ev->score;
        r->n_label[ev->label]++;
        r->sum_channel[(unsigned)ev->channel % NCH] += ev->score;
        r->n_channel[(unsigned)ev->channel % NCH]++;
        r->total++;
        break;
    case SR_EVENT_HANDED_OFF: r->handed_off++; break;
    case SR_EVENT_RESOLVED_WITHOUT_HANDOFF: r->resolved++; break;
    case SR_EVENT_TICKET_CLOSED: r->closed++; break;
    default: break;
    }
    return 0;
}

static const sr_label order[SR_LABEL_COUNT] = {SR_LABEL_URGENT, SR_LABEL_NEGATIVE,
                                               SR_LABEL_NEUTRAL, SR_LABEL_POSITIVE,
                                               SR_LABEL_PROMOTER};
static const char *const colors[SR_LABEL_COUNT] = {"#c0392b", "#e67e22", "#95a5a6", "#27ae60",
                                                   "#2980b9"};

static void day_name(int64_t t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, size, "%Y-%m-%d", &tm);
}

static int day_total(const report *r, int d)
{
    int n = 0;
    for (int l = 0; l < SR_LABEL_COUNT; l++)
        n += r->created[d][l];
    return n;
}

static void print_text(const report *r)
{
    char day[16], end[16];

    day_name(r->start, day, sizeof(day));
    day_name(r->start + (DAYS - 1) * 86400, end, sizeof(end));
    printf("sentiroute report %s .. %s (UTC): tickets opened\n\n", day, end);
    printf("%-10s %5s", "day", "total");
    for (int i = 0; i < SR_LABEL_COUNT; i++)
        printf(" %8s", sr_label_name(order[i]));
    printf(" %6s %6s %6s %6s\n", "email", "chat", "sms", "mean");
    for (int d = 0; d < DAYS; d++) {
        int n = day_total(r, d);
        day_name(r->start + d * 86400, day, sizeof(day));
        printf("%-10s %5d", day, n);
        for (int i = 0; i < SR_LABEL_COUNT; i++)
            printf(" %8d", r->created[d][order[i]]);
        printf(" %6d %6d %6d", r->by_channel[d][1], r->by_channel[d][2], r->by_channel[d][3]);
        if (n)
            printf(" %6.1f\n", r->sum_day[d] / n);
        else
            printf(" %6s\n", "-");
    }
    printf("\nmean score by label:  ");
    for (int i = 0; i < SR_LABEL_COUNT; i++) {
        sr_label l = order[i];
        if (r->n_label[l])
            printf(" %s %.1f (%d)", sr_label_name(l), r->sum_label[l] / r->n_label[l],
                   r->n_label[l]);
    }
    printf("\nmean score by channel:");
    for (int c = 1; c < NCH; c++)
        if (r->n_channel[c])
            printf(" %s %.1f (%d)", sr_channel_name((sr_channel)c),
                   r->sum_channel[c] / r->n_channel[c], r->n_channel[c]);
    printf("\nhandoffs: %d of %d tickets (rate %.1f%%); resolved without handoff: %d; closed: "
           "%d\n",
           r->handed_off, r->total, r->total ? 100.0 * r->handed_off / r->total : 0.0,
           r->resolved, r->closed);
}

static void print_json(const report *r)
{
    json_t *days = json_array(), *j;
    char day[16], *s;

    for (int d = 0; d < DAYS; d++) {
        json_t *labels = json_object(), *chans = json_object();
        int n = day_total(r, d);
        day_name(r->start + d * 86400, day, sizeof(day));
        for (int l = 0; l < SR_LABEL_COUNT; l++)
            json_object_set_new(labels, sr_label_name((sr_label)l),
                                json_integer(r->created[d][l]));
        for (int c = 1; c < NCH; c++)
            json_object_set_new(chans, sr_channel_name((sr_channel)c),
                                json_integer(r->by_channel[d][c]));
        json_array_append_new(days, json_pack("{ss si so so s?f}", "day", day, "total", n,
                                              "labels", labels, "channels", chans, "mean_score",
                                              n ? r->sum_day[d] / n : 0.0));
    }
    j = json_pack("{so si si sf si si}", "days", days, "tickets", r->total, "handoffs",
                  r->handed_off, "handoff_rate",
                  r->total ? (double)r->handed_off / r->total : 0.0, "resolved_without_handoff",
                  r->resolved, "closed", r->closed);
    s = json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(4));
    if (s)
        puts(s);
    free(s);
    json_decref(j);
}

/* write_svg - stacked bars per day, one colour per label, with a legend */
static int write_svg(const report *r, const char *path)
{
    const int W = 640, H = 360, left = 50, bottom = 300, top = 40, bw = 60, gap = 20;
    FILE *fp = fopen(path, "w");
    int max = 1;
    char day[16];

    if (fp == NULL)
        return -1;
    for (int d = 0; d < DAYS; d++)
        if (day_total(r, d) > max)
            max = day_total(r, d);
    fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n"
                "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            W, H, W, H);
    day_name(r->start, day, sizeof(day));
    fprintf(fp, "<text x=\"%d\" y=\"20\" font-size=\"14\">Tickets opened per day by label "
                "(week from %s, UTC); handoff rate %.0f%%</text>\n",
            left, day, r->total ? 100.0 * r->handed_off / r->total : 0.0);
    fprintf(fp, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left - 5,
            bottom, left + DAYS * (bw + gap), bottom);
    fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%d</text>\n", left - 8, top + 4,
            max);
    fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n", left - 8, bottom + 4);
    for (int d = 0; d < DAYS; d++) {
        int x = left + d * (bw + gap), y = bottom;
        for (int i = 0; i < SR_LABEL_COUNT; i++) {
            int n = r->created[d][order[i]];
            int h = n * (bottom - top) / max;
            if (n == 0)
                continue;
            y -= h;
            fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">"
                        "<title>%s: %d</title></rect>\n",
                    x, y, bw, h, colors[i], sr_label_name(order[i]), n);
        }
        day_name(r->start + d * 86400, day, sizeof(day));
        fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x + bw / 2,
                bottom + 16, day + 5);
        fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", x + bw / 2,
                y - 4, day_total(r, d));
    }
    for (int i = 0; i < SR_LABEL_COUNT; i++) {
        int x = left + i * 110;
        fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                    "<text x=\"%d\" y=\"%d\">%s</text>\n",
                x, H - 30, colors[i], x + 16, H - 20, sr_label_name(order[i]));
    }
    fputs("</svg>\n", fp);
    return fclose(fp) == 0 ? 0 : -1;
}

int srctl_report(const srctl_opts *o, int argc, char **argv)
{
    const char *svg = "sentiroute-report.svg", *end = NULL;
    int week = 0, json = 0, status;
    report r;
    sr_ctx *ctx;
    sr_store *st;
    sr_error err;
    time_t now = time(NULL);

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--week") == 0)
            week = 1;
        else if (strcmp(argv[i], "--svg") == 0 && i + 1 < argc)
            svg = argv[++i];
        else if (strcmp(argv[i], "--end") == 0 && i + 1 < argc)
            end = argv[++i];
        else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
            json = strcmp(argv[++i], "json") == 0;
        else
            return srctl_usage_error("report --week [--end YYYY-MM-DD] [--svg FILE] "
                                     "[--format table|json]");
    }
    if (!week)
        return srctl_usage_error("report needs --week");
    if (end) {
        struct tm tm;
        memset(&tm, 0, sizeof(tm));
        if (strptime(end, "%Y-%m-%d", &tm) == NULL)
            return srctl_usage_error("--end wants YYYY-MM-DD");
        now = timegm(&tm);
    }
    memset(&r, 0, sizeof(r));
    r.start = ((int64_t)now / 86400 - (DAYS - 1)) * 86400;
    if ((status = srctl_open(o, SR_STORE_RDONLY, &ctx, &st)) != 0)
        return status;
    if (sr_event_foreach(st, r.start, on_event, &r, &err) != SR_OK) {
        status = 1;
        fprintf(stderr, "sentiroutectl: %s\n", err.msg);
    } else {
        if (json)
            print_json(&r);
        else
            print_text(&r);
        if (*svg && write_svg(&r, svg) != 0) {
            fprintf(stderr, "sentiroutectl: cannot write %s\n", svg);
            status = 1;
        } else if (*svg && !json) {
            printf("chart: %s\n", svg);
        }
    }
    srctl_close(ctx, st);
    return status;
}

/* --- metrics ----------------------------------------------------------- */

typedef struct mcount {
    int handoffs[6];
    int created, closed, resolved, worse;
} mcount;

static int on_metric_event(void *ud, const sr_event *ev)
{
    mcount *m = ud;
    static const char *const methods[] = {"helpdesk", "zendesk", "gorgias", "webhook", "rt",
                                          "none"};

    if (ev->type == SR_EVENT_HANDED_OFF) {
        for (int i = 0; i < 6; i++)
            if (strcmp(ev->detail, methods[i]) == 0)
                m->handoffs[i]++;
    } else if (ev->type == SR_EVENT_TICKET_CREATED) {
        m->created++;
    } else if (ev->type == SR_EVENT_TICKET_CLOSED) {
        m->closed++;
    } else if (ev->type == SR_EVENT_RESOLVED_WITHOUT_HANDOFF) {
        m->resolved++;
    } else if (ev->type == SR_EVENT_TURNED_WORSE) {
        m->worse++;
    }
    return 0;
}

int srctl_metrics(const srctl_opts *o, int argc, char **argv)
{
    int counts[SR_LABEL_COUNT][4] = {{0}}, jobs[3][3] = {{0}}, status;
    static const char *const kinds[] = {"handoff", "comment", "deliver"};
    sr_ticket *t;
    sr_job *j;
    size_t nt, nj;
    sr_ctx *ctx;
    sr_store *st;
    sr_error err;
    mcount m;
    int64_t oldest = 0, now = (int64_t)time(NULL);

    (void)argv;
    if (argc > 1)
        return srctl_usage_error("metrics takes no arguments");
    if ((status = srctl_open(o, SR_STORE_RDONLY, &ctx, &st)) != 0)
        return status;
    memset(&m, 0, sizeof(m));
    if (sr_ticket_query(st, NULL, &t, &nt, &err) != SR_OK ||
        sr_outbox_list(st, 0, &j, &nj, &err) != SR_OK ||
        sr_event_foreach(st, 0, on_metric_event, &m, &err) != SR_OK) {
        fprintf(stderr, "sentiroutectl: %s\n", err.msg);
        srctl_close(ctx, st);
        return 1;
    }
    for (size_t i = 0; i < nt; i++)
        counts[t[i].label % SR_LABEL_COUNT][t[i].status & 3]++;
    for (size_t i = 0; i < nj; i++) {
        int k = strcmp(j[i].kind, "handoff") == 0 ? 0 : strcmp(j[i].kind, "comment") == 0 ? 1 : 2;
        jobs[j[i].state % 3][k]++;
        if (j[i].state == SR_JOB_PENDING && (oldest == 0 || j[i].created < oldest))
            oldest = j[i].created;
    }
    printf("# HELP sentiroute_tickets Tickets in the store by label of the latest customer "
           "message and status.\n# TYPE sentiroute_tickets gauge\n");
    for (int l = 0; l < SR_LABEL_COUNT; l++)
        for (int s = 0; s < 4; s++)
            printf("sentiroute_tickets{label=\"%s\",status=\"%s\"} %d\n",
                   sr_label_name((sr_label)l), sr_status_name((sr_ticket_status)s), counts[l][s]);
    printf("# HELP sentiroute_tickets_created_total Tickets opened.\n"
           "# TYPE sentiroute_tickets_created_total counter\n"
           "sentiroute_tickets_created_total %d\n", m.created);
    printf("# HELP sentiroute_tickets_closed_total Tickets closed.\n"
           "# TYPE sentiroute_tickets_closed_total counter\n"
           "sentiroute_tickets_closed_total %d\n", m.closed);
    printf("# HELP sentiroute_turned_worse_total Conversations that turned sharply worse.\n"
           "# TYPE sentiroute_turned_worse_total counter\n"
           "sentiroute_turned_worse_total %d\n", m.worse);
    printf("# HELP sentiroute_handoffs_total Handoffs by method.\n"
           "# TYPE sentiroute_handoffs_total counter\n");
    for (int i = 0; i < 6; i++)
        printf("sentiroute_handoffs_total{method=\"%s\"} %d\n", sr_method_name((sr_handoff_method)i),
               m.handoffs[i]);
    printf("# HELP sentiroute_resolved_without_handoff_total Tickets closed or answered "
           "without a handoff.\n# TYPE sentiroute_resolved_without_handoff_total counter\n"
           "sentiroute_resolved_without_handoff_total %d\n", m.resolved);
    printf("# HELP sentiroute_outbox_jobs Outbox jobs by state and kind.\n"
           "# TYPE sentiroute_outbox_jobs gauge\n");
    for (int s = 0; s < 3; s++)
        for (int k = 0; k < 3; k++)
            printf("sentiroute_outbox_jobs{state=\"%s\",kind=\"%s\"} %d\n",
                   sr_job_state_name((sr_job_state)s), kinds[k], jobs[s][k]);
    printf("# HELP sentiroute_outbox_oldest_pending_age_seconds Age of the oldest pending job "
           "(0: none).\n# TYPE sentiroute_outbox_oldest_pending_age_seconds gauge\n"
           "sentiroute_outbox_oldest_pending_age_seconds %lld\n",
           (long long)(oldest ? now - oldest : 0));
    free(t);
    sr_outbox_list_free(j, nj);
    srctl_close(ctx, st);
    return 0;
}
