#!/usr/bin/python3
"""test_ping_timeout - a relayed reply on a stream that stalls is sent again
once, on a new stream, within seconds, not after the outbox lease (60 s)
on the same dead one.

The bridge marks a relayed outbox job done only when the server answers
the XEP-0199 ping sent after it.  A fake XEP-0114 server reads the reply
and the ping and then goes silent without closing the link (a stalled
stream, a half-open TCP connection).  After xmpp.ping_timeout the bridge
must log that the server did not answer, drop the link, reconnect and send
the reply once more on the new link; once that ping is answered the job is
done and nothing is sent again, and a healthy link is kept.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xmpptest as xt  # noqa: E402

tap = xt.Tap(8)
D = xt.tmpdir()
SECRET = "fake-s3cret"
DOMAIN = "bridge.test"
REPLY = b"Your parcel left the warehouse"
srv, b, c1 = xt.fake_bridge(tap, D, DOMAIN, SECRET, "ping_timeout = 1.0; ask_on_first_line = true; "
                            "reconnect_min = 0.1; reconnect_max = 0.5; rate = 100.0; burst = 100;")
PING, ping_of = xt.PING, xt.ping_of


c1.msg("hello there")
c1.read_until(rb"connect you", 10)
n1 = len(c1.data)
r = xt.agent_reply(b, "v1@anon.test", REPLY.decode() + ".")
got = c1.read_until(REPLY, 10, n1) and c1.read_until(PING, 3, n1)
tap.ok(r.returncode == 0 and got, "the reply and a ping after it are relayed", c1.data[n1:][-400:])

# the server stalls: it reads on (so the bridge's writes succeed) but never
# answers and never closes.  The bridge must give up on this stream.
t0 = time.time()
c2 = srv.next(timeout=12)
dt = time.time() - t0
tap.ok(c2 is not None, "the stalled stream is dropped and the bridge connects again (%.1fs)" % dt,
       b.tail())
tap.ok(b.wait_log(r"did not answer .*ping", 1),
       "the log says the server did not answer the ping", b.tail())
c1.read_until(rb"(?!)", 0.5)   # whatever it still sent on the old link
tap.ok(c1.data.count(REPLY) == 1, "the reply was sent once on the stalled stream (%d)"
       % c1.data.count(REPLY), c1.data[-400:])
c2 = c2 or c1
got = c2.read_until(REPLY, 10) and c2.read_until(PING, 3, c2.data.find(REPLY))
p2 = ping_of(c2, max(c2.data.find(REPLY), 0))
if p2 is not None and p2[0]:
    c2.send("<iq type='result' id='%s' from='%s' to='%s'/>" % (p2[0], p2[1] or DOMAIN, DOMAIN))
ok = xt.wait_for(lambda: xt.job_states(b) == ["done"], 10)
tap.ok(got and ok, "the reply is sent again on the new stream and done once its ping is answered "
       "(%s)" % xt.job_states(b), b.tail())

# a healthy stream (its ping answered) is kept and nothing comes again
time.sleep(2.5)
c2.read_until(rb"(?!)", 0.5)
tap.ok(c2.data.count(REPLY) == 1 and srv.conns.empty() and not c2.closed,
       "a stream whose pings are answered is kept; the reply is not sent a third time (%d)"
       % c2.data.count(REPLY), b.tail())

rc = b.stop()
tap.ok(rc == 0 and all(x.wellformed for x in (c1, c2) if x),
       "SIGTERM: clean exit; everything the bridge sent was well-formed XML",
       [x.error for x in (c1, c2) if x and x.error])
tap.done()
