#!/usr/bin/python3
"""test_bad_stanza - one relayed reply that makes the server close the
stream does not take the other replies of its batch down with it.

A server ends the stream of a component on a stanza it refuses (Prosody:
invalid-from, a stanza above its size limit, XML it cannot parse; other
servers have other limits).  Replies are confirmed by a ping after their
batch, so every reply sent with the refused one was unconfirmed too, went
again with it after the reconnect, and the stream closed again: healthy
replies were held back until handoff.max_attempts parked them all.

A fake XEP-0114 server ends the stream with a stream error whenever the
stanza carrying POISON arrives.  Three agents' replies go in one batch,
the middle one poisoned: the two others must reach their visitors and be
done, the poisoned one must be parked as failed with the reason logged,
sent alone, not over and over.
"""
import json
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
srv, b, c1 = xt.fake_bridge(tap, D, DOMAIN, SECRET, "ask_on_first_line = true; reconnect_min = 0.1; "
                            "reconnect_max = 0.5; rate = 100.0; burst = 100;")
VISITORS = ["v1@anon.test", "v2@anon.test", "v3@anon.test"]
REPLIES = [b"Your parcel left the warehouse", b"POISON refund approved", b"Your refund is on its way"]

for v in VISITORS:
    c1.msg("hello there", frm=v + "/web")
tap.ok(c1.read_until(rb"(?s)(connect you.*){3}", 10), "three visitors are answered",
       c1.data[-300:])

# the link drops; the three replies are written while it is down, so
# that the next link carries them in one batch
c1.sock.close()
time.sleep(0.5)
rs = [xt.agent_reply(b, v, r.decode()) for v, r in zip(VISITORS, REPLIES)]
tap.ok(all(r.returncode == 0 for r in rs), "three replies stored while the link is down",
       [r.stderr for r in rs])
conns = []
c = srv.next()
closed = c is not None and c.serve(10, close_on=rb"POISON")
if c is not None:
    conns.append(c)
tap.ok(closed and all(r in c.data for r in (REPLIES[0], REPLIES[1])),
       "the next link carries the batch and the server ends the stream on the poisoned one",
       c.data[-400:] if c else "no link")


def outcome():
    rc, out, err = b.ctl("outbox", "list", "--format", "json")
    return [j for j in json.loads(out or "[]") if j.get("kind") == "deliver"]


end = time.time() + 40
while time.time() < end and [j["state"] for j in outcome()] != ["done", "failed", "done"]:
    c = srv.next(timeout=3)
    if c is None:
        continue
    conns.append(c)
    c.serve(3, close_on=rb"POISON")
jobs = outcome()
states = [j["state"] for j in jobs]
tap.ok(states == ["done", "failed", "done"],
       "the healthy replies are done, the poisoned one is parked as failed (%s)" % states,
       b.tail())
alldata = b"".join(x.data for x in conns)
tap.ok(REPLIES[0] in alldata and REPLIES[2] in alldata, "the healthy replies reached the server",
       b.tail())
tap.ok(len(jobs) == 3 and "stream" in jobs[1]["last_error"],
       "the parked job says why (%r)" % (jobs[1]["last_error"] if len(jobs) == 3 else None),
       jobs)
tap.ok(re.search(r"job %s.*parked.*stream error" % (jobs[1]["id"] if jobs else "x"), b.log()),
       "and the log says which job was parked and why", b.tail())
n = alldata.count(b"POISON")
tap.ok(2 <= n <= 3, "the poisoned reply went with its batch, then alone, not over and over "
       "(%d times)" % n, b.tail())

rc = b.stop()
tap.ok(rc == 0 and all(x.wellformed for x in conns),
       "SIGTERM: clean exit; everything the bridge sent was well-formed XML",
       [x.error for x in conns if x.error])
tap.done()
