#!/usr/bin/python3
"""test_stream_error_blame - a stream error is not pinned on a reply that
did not cause it.

When the server ends the stream with an error about something we sent
(improper-addressing, policy-violation, ...) while one relayed reply
waits for its ping's answer, the bridge parks that reply as failed: sent
again it would end the stream again.  But the reply is not the only thing
the bridge sends: at every connect it sends its presences to the agents
first, and prompts and chat states go out between replies.  A stream
ended for one of those parked an innocent reply for good ("Reply #N was
not delivered").  Now a reply is blamed only when nothing else went out
since the last answered ping; otherwise it is sent again after the
reconnect, alone (after a ping has confirmed what went before it).

A fake XEP-0114 server takes the agent's reply while the bridge is away;
at the reconnect it ends the stream on the bridge's first presence, with
the reply sent behind it, then accepts the next connection normally.
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
VISITOR = "v1@anon.test"
REPLY = b"Your parcel left the warehouse"
srv, b, c1 = xt.fake_bridge(tap, D, DOMAIN, SECRET,
                            "ask_on_first_line = true; reconnect_min = 0.1; reconnect_max = 0.5; "
                            "rate = 100.0; burst = 100; agents = [\"anna@corp.test Anna: general\"];")


def jobs():
    rc, out, err = b.ctl("outbox", "list", "--format", "json")
    return [j for j in json.loads(out or "[]") if j.get("kind") == "deliver"]


c1.msg("hello there", frm=VISITOR + "/web")
tap.ok(c1.read_until(rb"connect you", 10), "the visitor is answered", c1.data[-300:])
# the link drops; the agent answers meanwhile: the reply waits in the outbox
c1.sock.close()
tap.ok(b.wait_log(r"disconnected from", 10), "the link is lost", b.tail())
r = xt.agent_reply(b, VISITOR, REPLY.decode())
time.sleep(0.5)
tap.ok(r.returncode == 0 and [j["state"] for j in jobs()] == ["pending"],
       "the agent's reply is stored while the bridge is away", r.stderr + b.tail())
# the reconnect: presences first, then the reply and its ping; the server
# ends the stream on the presence (what follows it is never read)
c2 = srv.next()
c2.read_until(REPLY, 10)
ended = c2.serve(2.0, close_on=rb"<presence", condition="improper-addressing")
time.sleep(0.5)
js = jobs()
tap.ok(ended and re.search(rb"<presence.*" + REPLY, c2.data, re.S) and
       [j["state"] for j in js] == ["pending"] and "sent alone" not in js[0]["last_error"],
       "the stream ended for the presence before it: the reply is not parked (%r)" % js, b.tail())
c3 = srv.next()
end = time.time() + 10
while c3 is not None and time.time() < end and [j["state"] for j in jobs()] != ["done"]:
    c3.serve(0.5)   # the ping after the presences, then the reply's
ok = c3 is not None and REPLY in c3.data
tap.ok(ok and [j["state"] for j in jobs()] == ["done"],
       "it goes again after the reconnect and is done", b.tail())

# a reply that does end the stream is still found: sent again alone, after
# the presences of the connect were confirmed by a ping, it is parked
c3.sock.close()
b.wait_log(r"disconnected from", 10, count=2)
r = xt.agent_reply(b, VISITOR, "POISON " + REPLY.decode())
time.sleep(0.5)
c4 = srv.next()
ended4 = c4 is not None and c4.serve(5.0, close_on=rb"POISON")
c5 = srv.next()
ended5 = c5 is not None and c5.serve(5.0, close_on=rb"POISON")
time.sleep(0.5)
js = jobs()
order = re.search(rb"(?s)<presence.*<ping .*POISON", c5.data) if c5 is not None else None
tap.ok(ended4 and ended5 and order and [j["state"] for j in js] == ["done", "failed"]
       and "sent alone" in js[1]["last_error"],
       "a reply that ends the stream by itself is parked, found alone after a ping (%r)" % js,
       b.tail() + (c5.data[-600:].decode(errors="replace") if c5 is not None else ""))
rc = b.stop()
tap.ok(rc == 0, "SIGTERM: clean exit", b.tail())
tap.done()
