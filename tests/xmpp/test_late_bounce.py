#!/usr/bin/python3
"""test_late_bounce - a reply bounced after the server confirmed it is not
left "done": the agent learns it from the ticket.

A relayed reply is done once the server answers the ping after it; the
visitor's own server (another domain, a slow s2s link) may bounce it
later.  Such a late bounce was only logged at debug level: the job stayed
done and nothing on the ticket said the visitor never got the reply.
Now it fails the job with the reason and puts a note on the ticket, as a
bounce in flight does; a late error from anyone but the reply's recipient
changes nothing.

A fake XEP-0114 server answers the ping (the job is done), then sends an
error from a stranger and one from the visitor for the reply's id.
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xmpptest as xt  # noqa: E402

tap = xt.Tap(9)
D = xt.tmpdir()
SECRET = "fake-s3cret"
DOMAIN = "bridge.test"
VISITOR = "v1@remote.test"
REPLY = b"Your parcel left the warehouse"
srv, b, c1 = xt.fake_bridge(tap, D, DOMAIN, SECRET, "ask_on_first_line = true; reconnect_min = 0.1; "
                            "reconnect_max = 0.5; rate = 100.0; burst = 100;")


def deliver_jobs():
    rc, out, err = b.ctl("outbox", "list", "--format", "json")
    return [j for j in json.loads(out or "[]") if j.get("kind") == "deliver"]


def bounce(frm, rid, text=""):
    c1.send("<message type='error' from='%s' to='help@%s' id='%s'><body>x</body>"
            "<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
            "%s</error></message>" % (frm, DOMAIN, rid, text and
                                      "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>%s</text>"
                                      % text))


c1.msg("hello there", frm=VISITOR + "/web")
tap.ok(c1.read_until(rb"connect you", 10), "the visitor is answered", c1.data[-300:])
n1 = len(c1.data)
r = xt.agent_reply(b, VISITOR, REPLY.decode())
ok = r.returncode == 0 and c1.read_until(REPLY, 10, n1)
m = re.search(rb"<message [^>]*\bid=['\"](sr-xt-j(\d+))['\"]", c1.data[n1:])
rid, job = (m.group(1).decode(), int(m.group(2))) if m else ("", 0)
# the server answers the ping after it: done
c1.serve(1.5)
end = time.time() + 10
while time.time() < end and [j["state"] for j in deliver_jobs()] != ["done"]:
    time.sleep(0.1)
tap.ok(ok and job and [j["state"] for j in deliver_jobs()] == ["done"],
       "the reply is relayed, confirmed by the ping's answer and done", b.tail())

bounce("stranger@remote.test/x", rid)
time.sleep(1.0)
tap.ok([j["state"] for j in deliver_jobs()] == ["done"],
       "a late error from someone else changes nothing", b.tail())

bounce(VISITOR + "/web", rid, "Session closed")
end = time.time() + 10
while time.time() < end and [j["state"] for j in deliver_jobs()] != ["failed"]:
    time.sleep(0.1)
js = deliver_jobs()
tap.ok([j["state"] for j in js] == ["failed"] and "service-unavailable" in js[0]["last_error"],
       "the visitor's late bounce fails the job with the reason (%r)" % js, b.tail())
t = b.ticket(js[0]["ticket"]) if js else {}
notes = [x for x in t.get("transcript", []) if x["direction"] == "note"]
tap.ok(len(notes) == 1 and "Reply #%d was not delivered" % js[0]["seq"] in notes[0]["text"]
       and "service-unavailable" in notes[0]["text"] and "undelivered" in t["tags"],
       "the ticket has a note saying so, and the tag", t)
# the note goes to helpdesks as a comment: the condition and the server's
# words, not the visitor's address (it used to be copied into the reason)
tap.ok(len(notes) == 1 and "Session closed" in notes[0]["text"] and "remote.test" not in
       notes[0]["text"] and js and "remote.test" not in js[0]["last_error"],
       "the reason has the server's text, not the visitor's address (%r)"
       % (notes[0]["text"] if notes else None), t)
tap.ok(b.wait_log(r"job %d bounced after it was confirmed" % job, 5) and
       b.wait_log(r"T%d: reply of job %d not delivered: noted on the ticket" % (t.get("id", 0), job), 5)
       and b.wait_log(r"%s: conversation ended" % re.escape(VISITOR), 5),
       "the log names the job and the ticket; the visitor's conversation is over", b.tail())

rc = b.stop()
tap.ok(rc == 0, "SIGTERM: clean exit", b.tail())
tap.done()
