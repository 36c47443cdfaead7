#!/usr/bin/env python3
"""test_zendesk_followup - a customer writes again after the Zendesk ticket
was closed there.  Zendesk refuses updates to closed tickets (422 "closed
prevents ticket update"); the driver opens a follow-up ticket
(via_followup_source_id = the closed one) with the new message and a link
to the old ticket, the local ticket then points at the follow-up so later
messages become comments there, and a follow-up whose answer is lost is
not made twice (Idempotency-Key).  The fake Zendesk closes tickets on
request and enforces the follow-up's shape (only at creation, an integer
id, an existing ticket that is closed)."""
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srtest  # noqa: E402

tap = srtest.Tap(10)


def post(url, obj, headers=None):
    req = urllib.request.Request(url, data=json.dumps(obj).encode(), method="POST",
                                 headers=dict({"Content-Type": "application/json"}, **(headers or {})))
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def main():
    d = srtest.tmpdir()
    secret = "zd-followup-token-31f"
    sec = srtest.secret_file(d, "secret", secret)
    fake = srtest.Fake("zendesk", secret)
    conf = srtest.write_config(d, """
log = { level = "debug"; };
store = { instance = "fu"; sync = false; };
handoff = {
  method = "zendesk";
  timeout = 5; connect_timeout = 2;
  backoff_base = 0.05; backoff_max = 1; max_attempts = 12;
  zendesk = { url = "%s"; email = "agent@example.com"; token_file = "%s"; };
};
route = { rules = ( { name = "everyone"; handoff = true; } ); };
""" % (fake.url, sec))
    store = os.path.join(d, "store")

    def run():
        return srtest.ctl(conf, store, "outbox", "run", "--timeout", "30")

    def ticket(tid):
        return json.loads(srtest.ctl(conf, store, "ticket", "show", str(tid), "--format", "json")[1])

    def followups(st, src):
        return [t for t in st["tickets"] if t.get("via_followup_source_id") == src]

    # a conversation handed to Zendesk, then closed there
    r1 = srtest.ingest(conf, store, "email", "Jane Doe <jane@example.com>",
                       "My parcel never arrived. Please refund me.",
                       "--subject", "Parcel 88", "--message-id", "<f1@example.com>")
    rc, out, err = run()
    old = ticket(r1["ticket"])["remote_id"]
    code, _ = post(fake.url + "/_close", {"id": int(old)})
    tap.ok(rc == 0 and old and code == 200, "the ticket is at Zendesk (#%s) and closed there" % old, err[-800:])

    # the customer writes again: the update is refused, a follow-up is made
    srtest.ingest(conf, store, "email", "jane@example.com",
                  "Hello? Still no parcel and no refund. Marker-Two",
                  "--in-reply-to", "<f1@example.com>", "--message-id", "<f2@example.com>")
    rc, out, err = run()
    st = fake.state()
    fu = followups(st, int(old))
    job = [j for j in srtest.jobs(conf, store) if j["kind"] == "comment"][-1]
    tap.ok(rc == 0 and job["state"] == "done" and len(fu) == 1,
           "a comment to a closed ticket becomes one follow-up ticket (job done)",
           json.dumps(job) + json.dumps(st["tickets"])[:1500] + err[-1500:])
    closed_422 = [x for x in st["rejected"] if x["status"] == 422]
    tap.ok(len(closed_422) == 1 and "closed prevents" in json.dumps(closed_422[0]) and len(st["rejected"]) == 1,
           "the only refused request was the update of the closed ticket (422)", json.dumps(st["rejected"]))
    fbody = fu[0]["comment"]["body"] if fu else ""
    tap.ok("Marker-Two" in fbody and ("#%s" % old) in fbody and ("/agent/tickets/%s" % old) in fbody
           and fu[0].get("external_id") == "sr-fu-t%d" % r1["ticket"]
           and fu[0].get("requester", {}).get("email") == "jane@example.com",
           "the follow-up carries the new message, a link to the closed ticket, requester and our external id",
           fbody[:800] + json.dumps(fu[:1])[:800])
    tap.ok(fu and fu[0].get("via", {}).get("source", {}).get("rel") == "follow_up"
           and fu[0]["id"] in [t for t in st["tickets"] if t["id"] == int(old)][0].get("followup_ids", []),
           "Zendesk links the two tickets (via.source follow_up, followup_ids)", json.dumps(fu[:1])[:600])
    tk = ticket(r1["ticket"])
    tap.ok(fu and tk["remote_id"] == str(fu[0]["id"]) and job["remote_id"] == str(fu[0]["id"]),
           "the local ticket now points at the follow-up (%s)" % tk["remote_id"], json.dumps(tk)[:600])
    tap.ok("follow-up ticket" in err and secret not in err, "the follow-up is logged (and no secret)",
           err[-800:])

    # the next message is a plain comment on the follow-up
    srtest.ingest(conf, store, "email", "jane@example.com", "Thanks for the quick answer. Marker-Three",
                  "--in-reply-to", "<f2@example.com>", "--message-id", "<f3@example.com>")
    rc, out, err = run()
    st = fake.state()
    c = st["comments"].get(str(fu[0]["id"]) if fu else "", [])
    tap.ok(rc == 0 and len(followups(st, int(old))) == 1 and sum("Marker-Three" in x["body"] for x in c) == 1
           and len(st["tickets"]) == 2,
           "a later message is a comment on the follow-up, no new ticket", json.dumps(c)[:1500] + err[-800:])

    # a follow-up whose answer is lost (processed, connection dropped) is not made twice
    r2 = srtest.ingest(conf, store, "email", "max@example.com", "Broken on arrival, I want a refund",
                       "--subject", "Broken", "--message-id", "<g1@example.com>")
    run()
    old2 = ticket(r2["ticket"])["remote_id"]
    post(fake.url + "/_close", {"id": int(old2)})
    fake.faults(drop=1)
    srtest.ingest(conf, store, "email", "max@example.com", "Any news? Marker-Four",
                  "--in-reply-to", "<g1@example.com>")
    rc, out, err = run()
    st = fake.state()
    fu2 = followups(st, int(old2))
    tap.ok(rc == 0 and st["dropped"] >= 1 and len(fu2) == 1 and ticket(r2["ticket"])["remote_id"] == str(fu2[0]["id"]),
           "a lost answer to the follow-up's creation does not make a second one (Idempotency-Key)",
           "dropped=%s followups=%s %s" % (st["dropped"], json.dumps(fu2)[:600], err[-1200:]))

    # the fake is strict: no follow-up of an open ticket, no string ids
    auth = "Basic " + __import__("base64").b64encode(b"agent@example.com/token:" + secret.encode()).decode()
    hdr = {"Authorization": auth, "Accept": "application/json"}
    open_id = fu[0]["id"] if fu else 0
    c1, b1 = post(fake.url + "/api/v2/tickets", {"ticket": {"subject": "x", "comment": {"body": "y"}, "via_followup_source_id": open_id}}, hdr)
    c2, b2 = post(fake.url + "/api/v2/tickets", {"ticket": {"subject": "x", "comment": {"body": "y"}, "via_followup_source_id": str(old)}}, hdr)
    tap.ok(c1 == 422 and "not closed" in json.dumps(b1) and c2 == 422 and "integer" in json.dumps(b2),
           "the fake refuses a follow-up of an open ticket and a string id", "%s %s %s %s" % (c1, b1, c2, b2))
    fake.stop()


try:
    main()
except Exception as e:  # a crash fails the remaining cases, never skips them
    import traceback
    traceback.print_exc(file=sys.stdout)
    while tap.n < 10:
        tap.ok(False, "aborted: %s" % e)
tap.done()
