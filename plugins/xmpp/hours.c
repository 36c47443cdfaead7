/*
 * hours.c - business hours: a bitmap of the minutes of the week
 *
 * "mon-fri 09:00-17:00" marks minutes 540..1019 of Monday to Friday; a
 * range that ends at or before it starts runs past midnight into the next
 * day ("sat 22:00-02:00").  Closed dates ("2025-12-25") win over the
 * week.  Times are local: the daemon sets TZ from xmpp.hours.timezone
 * before any thread starts (localtime_r reads it), so the hours follow
 * daylight saving time.
 */
#include "build-config.h"

#include "srx.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define WEEK_MIN (7 * 1440)

struct srx_hours {
    unsigned char open[WEEK_MIN / 8];
    int always;
    int *closed;               /* yyyymmdd */
    size_t nclosed;
    char desc[512];
};

static const char *const days[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
static const char *const day_names[7] = {"sunday",   "monday", "tuesday", "wednesday",
                                         "thursday", "friday", "saturday"};

static void mark(srx_hours *h, int day, int from, int to)
{
    for (int m = from; m < to; m++) {
        int bit = ((day % 7) * 1440) + m;
        h->open[bit / 8] |= (unsigned char)(1u << (bit % 8));
    }
}

/* day_index - "mon" or "monday" (any case) to 0..6 (sunday 0); -1 */
static int day_index(const char *s, size_t n)
{
    for (int i = 0; i < 7; i++)
        if ((n == 3 && strncasecmp(s, days[i], 3) == 0) ||
            (n == strlen(day_names[i]) && strncasecmp(s, day_names[i], n) == 0))
            return i;
    return -1;
}

/* hhmm - "09:00" or "9:30" or "24:00" into minutes; -1 when bad */
static int hhmm(const char *s, size_t n)
{
    int h, m;
    char buf[8], tail;

    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (sscanf(buf, "%d:%d%c", &h, &m, &tail) != 2 || h < 0 || h > 24 || m < 0 || m > 59 ||
        (h == 24 && m != 0) || strlen(buf) < 4)
        return -1;
    return h * 60 + m;
}

/* days_spec - "mon-fri", "sat", "mon,wed,fri", "daily" into a 7-bit mask */
static int days_spec(const char *s, size_t n, unsigned *mask)
{
    size_t i = 0;

    *mask = 0;
    if ((n == 5 && strncasecmp(s, "daily", 5) == 0) || (n == 3 && strncasecmp(s, "all", 3) == 0)) {
        *mask = 0x7F;
        return 0;
    }
    while (i < n) {
        size_t k = i;
        int a, b;
        while (k < n && s[k] != ',')
            k++;
        const char *dash = memchr(s + i, '-', k - i);
        if (dash != NULL) {
            a = day_index(s + i, (size_t)(dash - (s + i)));
            b = day_index(dash + 1, (size_t)(s + k - dash - 1));
        } else {
            a = b = day_index(s + i, k - i);
        }
        if (a < 0 || b < 0)
            return -1;
        for (int d = a;; d = (d + 1) % 7) {   /* "fri-mon" wraps */
            *mask |= 1u << d;
            if (d == b)
                break;
        }
        i = k + 1;
    }
    return *mask ? 0 : -1;
}

static int parse_entry(srx_hours *h, const char *e, char *err, size_t errsize)
{
    const char *p = e;
    size_t n;
    unsigned mask;
    int ranges = 0;

    while (isspace((unsigned char)*p))
        p++;
    n = strcspn(p, " \t");
    if (days_spec(p, n, &mask) != 0) {
        snprintf(err, errsize, "\"%.60s\": unknown days (mon-fri, sat, mon,wed, daily)", e);
        return -1;
    }
    p += n;
    for (;;) {
        int from, to;
        const char *dash;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '\0')
            break;
        n = strcspn(p, " \t");
        dash = memchr(p, '-', n);
        from = dash ? hhmm(p, (size_t)(dash - p)) : -1;
        to = dash ? hhmm(dash + 1, (size_t)(p + n - dash - 1)) : -1;
        if (from < 0 || to < 0 || from == 1440) {
            snprintf(err, errsize, "\"%.60s\": bad time range (HH:MM-HH:MM)", e);
            return -1;
        }
        for (int d = 0; d < 7; d++) {
            if (!(mask & (1u << d)))
                continue;
            if (to > from) {
                mark(h, d, from, to);
            } else {          /* past midnight */
                mark(h, d, from, 1440);
                mark(h, d + 1, 0, to);
            }
        }
        ranges++;
        p += n;
    }
    if (ranges == 0) {
        snprintf(err, errsize, "\"%.60s\": no time range (mon-fri 09:00-17:00)", e);
        return -1;
    }
    return 0;
}

/* srx_hours_parse - weekly hours and closed dates */
srx_hours *srx_hours_parse(const char *const *open, size_t nopen, const char *const *closed,
                           size_t nclosed, char *err, size_t errsize)
{
    srx_hours *h = calloc(1, sizeof(*h));
    size_t o = 0;

    if (h == NULL) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    h->always = nopen == 0;
    for (size_t i = 0; i < nopen; i++) {
        if (parse_entry(h, open[i], err, errsize) != 0) {
            srx_hours_free(h);
            return NULL;
        }
        o += (size_t)snprintf(h->desc + o, o < sizeof(h->desc) ? sizeof(h->desc) - o : 0,
                              "%s%s", i ? ", " : "", open[i]);
        if (o >= sizeof(h->desc))
            o = sizeof(h->desc) - 1;
    }
    if (nclosed > 0 && (h->closed = calloc(nclosed, sizeof(int))) == NULL) {
        snprintf(err, errsize, "out of memory");
        srx_hours_free(h);
        return NULL;
    }
    for (size_t i = 0; i < nclosed; i++) {
        int y, m, d;
        char tail;
        if (sscanf(closed[i], "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1970 || m < 1 ||
            m > 12 || d < 1 || d > 31 || strlen(closed[i]) != 10) {
            snprintf(err, errsize, "\"%.40s\": not a date (YYYY-MM-DD)", closed[i]);
            srx_hours_free(h);
            return NULL;
        }
        h->closed[h->nclosed++] = y * 10000 + m * 100 + d;
    }
    return h;
}

void srx_hours_free(srx_hours *h)
{
    if (h == NULL)
        return;
    free(h->closed);
    free(h);
}

/* srx_hours_open - within the hours at now (local time)? */
int srx_hours_open(const srx_hours *h, time_t now)
{
    struct tm tm;
    int bit, ymd;

    if (h == NULL)
        return 1;
    if (localtime_r(&now, &tm) == NULL)
        return 1;   /* cannot tell: do not turn visitors away */
    ymd = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
    for (size_t i = 0; i < h->nclosed; i++)
        if (h->closed[i] == ymd)
            return 0;
    if (h->always)
        return 1;
    bit = tm.tm_wday * 1440 + tm.tm_hour * 60 + tm.tm_min;
    return (h->open[bit / 8] >> (bit % 8)) & 1;
}

const char *srx_hours_describe(const srx_hours *h)
{
    return h ? h->desc : "";
}

/* srx_tz_valid - a zoneinfo file exists for tz (and the name climbs nowhere) */
int srx_tz_valid(const char *tz)
{
    char path[512];
    const char *dir = getenv("TZDIR");
    struct stat sb;

    if (tz == NULL || *tz == '\0')
        return 1;
    if (*tz == ':')
        tz++;
    if (*tz == '/' || strstr(tz, "..") != NULL || strlen(tz) > 64)
        return 0;
    snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", tz);
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}
