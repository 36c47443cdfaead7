#!/usr/bin/python3
"""test_relay_ack - an agent's reply relayed to a visitor is delivered at
least once.  XEP-0114 has no stream management: a stanza libstrophe has
queued may die with the link.  The bridge marks a relayed outbox job done
only when the server answers the XEP-0199 ping sent after it (which proves
the server read everything before it); a link lost before that answer
sends the reply again after the reconnect.

A fake XEP-0114 server reads the relayed reply and the ping, then drops
the link without answering: after the reconnect the reply comes again;
once the ping is answered the job is done and the reply is not sent a
third time, not even after one more reconnect.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xmpptest as xt  # noqa: E402

tap = xt.Tap(10)
D = xt.tmpdir()
SECRET = "fake-s3cret"
DOMAIN = "bridge.test"
REPLY = b"Your parcel left the warehouse"
srv, b, c1 = xt.fake_bridge(tap, D, DOMAIN, SECRET, "ask_on_first_line = true; reconnect_min = 0.1; "
                            "reconnect_max = 0.5; rate = 100.0; burst = 100;")
PING, ping_of = xt.PING, xt.ping_of


def reply_id(conn):
    """the id attribute of the message that carries the reply, or None"""
    for m in re.finditer(rb"<message [^>]*>(?:(?!</message>).)*</message>", conn.data, re.S):
        if REPLY in m.group(0):
            i = re.search(rb"<message [^>]*\bid=['\"]([^'\"]+)", m.group(0))
            return i.group(1).decode() if i else None
    return None


# a visitor, a ticket, and an agent's answer written with sentiroutectl
c1.msg("hello there")
tap.ok(c1.read_until(rb"connect you", 10), "the visitor is answered (the fake works)",
       c1.data[-300:])
n1 = len(c1.data)
r = xt.agent_reply(b, "v1@anon.test", REPLY.decode() + ".")
got = c1.read_until(REPLY, 10, n1)
c1.read_until(PING, 3, n1)   # the ping after it, when there is one
tap.ok(r.returncode == 0 and got, "the reply is relayed to the visitor", r.stderr)
p1 = ping_of(c1, n1)
tap.ok(p1 is not None and p1[0] and p1[1] == DOMAIN,
       "a ping to %s follows the relayed reply (%r)" % (DOMAIN, p1), c1.data[n1:][-400:])

# the link drops before the server answers the ping: the reply may be lost
c1.sock.close()
c2 = srv.next()
got = c2 is not None and c2.read_until(REPLY, 10)
tap.ok(got, "the link dropped before the ping's answer: the reply is sent again after the "
       "reconnect", b.tail())
c2 = c2 or c1
i1, i2 = reply_id(c1), reply_id(c2)
tap.ok(i1 and i1 == i2, "the reply sent again carries the id of the first (%r, %r): a client can "
       "drop the copy" % (i1, i2), c2.data[-400:])
c2.read_until(PING, 3, c2.data.find(REPLY) if REPLY in c2.data else 0)
p2 = ping_of(c2, c2.data.find(REPLY) if REPLY in c2.data else 0)
before = xt.job_states(b)
if p2 is not None and p2[0]:
    c2.send("<iq type='result' id='%s' from='%s' to='%s'/>" % (p2[0], p2[1] or DOMAIN, DOMAIN))
ok = xt.wait_for(lambda: xt.job_states(b) == ["done"], 10)
tap.ok(before == ["pending"] and ok, "pending until the server answers the ping, then done (%s)"
       % before, xt.job_states(b))
time.sleep(1.5)
tap.ok(c2.data.count(REPLY) == 1, "and the reply is not sent a third time (%d on the second link)"
       % c2.data.count(REPLY), c2.data[-400:])

# one more reconnect: a done job stays done
c2.sock.close()
c3 = srv.next()
if c3 is not None:
    c3.read_until(REPLY, 3)
tap.ok(c3 is not None and REPLY not in c3.data and xt.job_states(b) == ["done"],
       "after one more reconnect the reply is not sent again", b.tail())

rc = b.stop()
tap.ok(rc == 0 and all(x.wellformed for x in (c1, c2, c3) if x),
       "SIGTERM: clean exit; everything the bridge sent was well-formed XML",
       [x.error for x in (c1, c2, c3) if x and x.error])
tap.done()
