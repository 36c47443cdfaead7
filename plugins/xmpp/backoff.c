/*
 * backoff.c - reconnect delays: capped exponential backoff
 *
 * The delay doubles with every attempt that fails and with every link
 * that drops soon after it came up; only a link that stayed up for
 * SRX_BACKOFF_STABLE seconds starts the delays over.  A server that
 * accepts the stream and drops it at once is thus retried less and
 * less often, not every reconnect_min seconds forever.
 */
#include "build-config.h"

#include "srx.h"

void srx_backoff_init(srx_backoff *b, double min)
{
    b->next = min;
    b->up_since = -1;
}

void srx_backoff_up(srx_backoff *b, double now)
{
    b->up_since = now;   /* the delays start over only once it held */
}

double srx_backoff_down(srx_backoff *b, double min, double max, double now)
{
    double delay;

    if (b->up_since >= 0 && now - b->up_since >= SRX_BACKOFF_STABLE)
        b->next = min;
    b->up_since = -1;
    if (b->next < min)
        b->next = min;
    if (b->next > max)
        b->next = max;
    delay = b->next;
    b->next = delay * 2 > max ? max : delay * 2;
    return delay;
}
