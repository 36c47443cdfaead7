#!/usr/bin/python3
"""test_idle_ping - a link without traffic is pinged (XEP-0199) every
xmpp.ping_interval seconds, and one whose server does not answer within
xmpp.ping_timeout is dropped and made again.

XEP-0114 streams have no keepalive of their own: a link a firewall has
forgotten, or a half-open TCP connection, stays "connected" for the bridge
while the server's stanzas for it (the visitors' lines) are lost.  A fake
XEP-0114 server answers the pings for a while (the link must be kept),
then stops answering without closing it (the bridge must reconnect).
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xmpptest as xt  # noqa: E402

tap = xt.Tap(6)
D = xt.tmpdir()
SECRET = "fake-s3cret"
DOMAIN = "bridge.test"
srv, b, c1 = xt.fake_bridge(tap, D, DOMAIN, SECRET, "ping_interval = 1.0; ping_timeout = 1.0; "
                            "reconnect_min = 0.1; reconnect_max = 0.5; rate = 100.0; burst = 100;")
PING = xt.PING


def pings(conn, start):
    return list(re.finditer(PING, conn.data[start:]))


def answer_pings(conn, seconds):
    """answer every ping for seconds; the number answered"""
    end, done = time.time() + seconds, 0
    while time.time() < end:
        conn.read_until(PING, max(0.05, min(0.5, end - time.time())), conn.answered)
        for m in pings(conn, conn.answered):
            iq = m.group(0)
            pid = re.search(rb"id=['\"]([^'\"]+)", iq).group(1).decode()
            to = re.search(rb"to=['\"]([^'\"]+)", iq).group(1).decode()
            conn.send("<iq type='result' id='%s' from='%s' to='%s'/>" % (pid, to, DOMAIN))
            done += 1
        conn.answered = len(conn.data)
    return done


c1.answered = len(c1.data)
got = c1.read_until(PING, 4)
tap.ok(got, "an idle link gets a ping within ping_interval", c1.data[-300:])
n = answer_pings(c1, 4.5)
tap.ok(n >= 2 and srv.conns.empty() and "did not answer" not in b.log(),
       "pings answered: the link is kept (%d pings in 4.5s)" % n, b.tail())

# the server goes silent, the link stays open
t0 = time.time()
c2 = srv.next(timeout=10)
tap.ok(c2 is not None and b.wait_log(r"did not answer ping", 1),
       "an unanswered ping: logged, the link dropped and made again (%.1fs)" % (time.time() - t0),
       b.tail())
if c2 is not None:
    c2.msg("hello again")
    tap.ok(c2.read_until(rb"<body>", 10), "the new link carries the visitors' lines", b.tail())
else:
    tap.ok(False, "the new link carries the visitors' lines")
rc = b.stop()
tap.ok(rc == 0 and all(x.wellformed for x in (c1, c2) if x),
       "SIGTERM: clean exit; everything the bridge sent was well-formed XML",
       [x.error for x in (c1, c2) if x and x.error])
tap.done()
