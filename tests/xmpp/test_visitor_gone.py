#!/usr/bin/python3
"""test_visitor_gone - an agent's reply to a visitor who has left is not
lost silently: the server bounces it, and the bridge records the outcome.

An anonymous visitor's account ends with the session: a real Prosody
answers a message to it with a service-unavailable error.  The bridge
ignored every error stanza and the ping after the reply confirmed it:
the job was "done", nothing said the visitor never got it.  Now the
bounce of a relayed reply (its id says which job it was) parks the job as
failed with the reason, and the log says so; a reply to a visitor still
online is done as before.  The agent learns it from the ticket: a note
in its transcript says which reply did not arrive and why, and the
ticket is tagged "undelivered" (the listing finds it by that tag).
"""
import asyncio
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xmpptest as xt  # noqa: E402

tap = xt.Tap(10)
D = xt.tmpdir()
P, b, HELP = xt.prosody_bridge(D)


def jobs():
    rc, out, err = b.ctl("outbox", "list", "--format", "json")
    return {j["id"]: j for j in json.loads(out or "[]") if j.get("kind") == "deliver"}


async def main():
    v1 = await xt.login(P.c2s, "anon.localhost")
    v2 = await xt.login(P.c2s, "anon.localhost")
    gone, here = str(v1.boundjid.bare), str(v2.boundjid.bare)
    v1.say(HELP, "hello, where is my parcel")
    v2.say(HELP, "hello, where is my refund")
    ok = await v1.expect(None, 10) is not None and await v2.expect(None, 10) is not None
    tap.ok(ok, "two visitors are answered", b.tail())
    # the first one closes the page: the anonymous account is gone
    await v1.bye()
    await asyncio.sleep(0.5)
    r1 = xt.agent_reply(b, gone, "Your parcel left the warehouse")
    r2 = xt.agent_reply(b, here, "Your refund is on its way")
    tap.ok(r1.returncode == 0 and r2.returncode == 0, "an agent answers both",
           r1.stderr + r2.stderr)
    m = await v2.expect("refund is on its way", 10)
    tap.ok(m is not None, "the visitor still online gets the reply", b.tail())
    await xt.until(lambda: sorted(j["state"] for j in jobs().values()) == ["done", "failed"], 10)
    js = sorted(jobs().values(), key=lambda j: j["id"])
    states = [j["state"] for j in js]
    tap.ok(states == ["failed", "done"],
           "the reply to the visitor who left is failed, the other done (%s)" % states,
           b.tail() + P.tail(5))
    why = js[0]["last_error"] if js else ""
    tap.ok(re.search(r"visitor (is )?gone", why) and "service-unavailable" in why
           and gone.split("@")[0] not in why,
           "the failed job says why, without the visitor's address (%r)" % why, js)
    tap.ok(re.search(r"job %s .*not delivered.*%s" % (js[0]["id"] if js else "x", re.escape(gone)),
                     b.log()), "the log names the job and the visitor", b.tail())
    tap.ok(re.search(r"%s: conversation ended" % re.escape(gone), b.log()) and
           not re.search(r"%s: conversation ended" % re.escape(here), b.log()),
           "the conversation of the visitor who left is over, the other goes on", b.tail())
    # the agent sees it on the ticket, not only in the outbox
    tid = js[0]["ticket"] if js else 0
    t = b.ticket(tid) if tid else {}
    notes = [m for m in t.get("transcript", []) if m["direction"] == "note"]
    tap.ok(len(notes) == 1 and "Reply #%d was not delivered" % js[0]["seq"] in notes[0]["text"]
           and "service-unavailable" in notes[0]["text"] and "undelivered" in t["tags"]
           and t["status"] != "pending",
           "the ticket has a note saying the reply did not arrive and why, tagged, not "
           "pending (the conversation closed it: never handed to a person)", t)
    rc, out, err = b.ctl("ticket", "show", str(tid))
    rc2, lst, err2 = b.ctl("tickets", "--tag", "undelivered", "--format", "json")
    rc3, table, err3 = b.ctl("tickets")
    marked = [ln.split()[0] for ln in table.splitlines() if "(reply undelivered)" in ln]
    tap.ok(rc == 0 and re.search(r"NOTE sentiroute\n.*not delivered.*service-unavailable", out)
           and [x["id"] for x in json.loads(lst or "[]")] == [tid] and marked == [str(tid)],
           "ticket show prints the note; the listing marks the ticket and finds it by its tag",
           out + err + lst + table)
    other = b.ticket(js[1]["ticket"]) if len(js) > 1 else {}
    tap.ok(re.search(r"T%d: reply of job %s not delivered: noted on the ticket" % (tid, js[0]["id"]),
                     b.log()) and not [m for m in other.get("transcript", [])
                                      if m["direction"] == "note"]
           and "parcel left" not in "".join(re.findall(r".*noted on the ticket.*", b.log())),
           "a warning names the ticket (not the text); the delivered reply has no note", b.tail())
    await v2.bye()


asyncio.get_event_loop().run_until_complete(main())
rc = b.stop()
P.stop()
tap.done()
