#!/usr/bin/python3
"""test_parse_error_resend - a reply in flight when the stream breaks on
XML the bridge cannot parse is not lost.

libstrophe answers XML it cannot parse with an <invalid-xml/> stream
error but keeps the connection, whose parser is dead: what the server
sends afterwards, the answer to the ping that would confirm the reply
included, is never read.  The bridge drops such a link and connects again
(xmpp.c: parse_error).  The reply sent just before must not be counted as
delivered: it stays pending, goes again on the next link, and is done
only when that link's ping is answered.

A fake XEP-0114 server reads the reply and its ping, sends invalid UTF-8,
then the ping's answer (unreadable now).
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xmpptest as xt  # noqa: E402

tap = xt.Tap(8)
D = xt.tmpdir()
SECRET = "fake-s3cret"
DOMAIN = "bridge.test"
REPLY = b"Your parcel left the warehouse"
srv, b, c1 = xt.fake_bridge(tap, D, DOMAIN, SECRET, "ask_on_first_line = true; reconnect_min = 0.5; "
                            "reconnect_max = 1; rate = 100.0; burst = 100;")


def states():
    rc, out, err = b.ctl("outbox", "list", "--format", "json")
    return [j["state"] for j in json.loads(out or "[]") if j.get("kind") == "deliver"]


c1.msg("hello there")
tap.ok(c1.read_until(rb"connect you", 10), "the visitor is answered", c1.data[-300:])
n1 = len(c1.data)
r = xt.agent_reply(b, "v1@anon.test", REPLY.decode())
ok = r.returncode == 0 and c1.read_until(REPLY, 10, n1) and c1.read_until(xt.PING, 5, n1)
p1 = xt.ping_of(c1, n1)
tap.ok(ok and p1 is not None, "the reply and a ping after it reach the server", c1.data[n1:][-400:])

# XML the bridge cannot parse, then the ping's answer behind it
c1.send(b"<message type='chat' from='v2@anon.test/r' to='help@" + DOMAIN.encode() +
        b"'><body>\xff\xfe bad</body></message>")
c1.send("<iq type='result' id='%s' from='%s' to='%s'/>" % (p1[0] if p1 else "x", DOMAIN, DOMAIN))
c2 = srv.next()
tap.ok(c2 is not None and b.wait_log(r"cannot be parsed: reconnecting", 5),
       "the bridge drops the broken stream and connects again", b.tail())
tap.ok(states() == ["pending"],
       "the ping's answer sent after the bad XML is not read: the reply is not done (%s)"
       % states(), b.tail())
c2 = c2 or c1
got = c2.read_until(REPLY, 10)
tap.ok(got, "the reply is sent again on the new link", b.tail())
c2.serve(2)
end = time.time() + 10
while time.time() < end and states() != ["done"]:
    time.sleep(0.1)
tap.ok(states() == ["done"] and c2.wellformed,
       "done once the new link's ping is answered (%s)" % states(), b.tail())

rc = b.stop()
tap.ok(rc == 0 and len(re.findall(re.escape(REPLY), c1.data + c2.data)) == 2,
       "SIGTERM: clean exit; the reply went twice, not more", b.tail())
tap.done()
