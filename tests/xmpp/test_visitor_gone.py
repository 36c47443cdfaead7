#!/usr/bin/python3
"""test_visitor_gone - an agent's reply to a visitor who has left is not
lost silently: the server bounces it, and the bridge records the outcome.

An anonymous visitor's account ends with the session: a real Prosody
answers a message to it with a service-unavailable error.  The bridge
ignored every error stanza and the ping after the reply confirmed it:
the job was "done", nothing said the visitor never got it.  Now the
bounce of a relayed reply (its id says which job it was) parks the job as
failed with the reason, and the log says so; a reply to a visitor still
online is done as before.
"""
import asyncio
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xmpptest as xt  # noqa: E402

tap = xt.Tap(7)
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
    tap.ok(re.search(r"visitor (is )?gone", why) and "service-unavailable" in why,
           "the failed job says why (%r)" % why, js)
    tap.ok(re.search(r"job %s .*not delivered.*%s" % (js[0]["id"] if js else "x", re.escape(gone)),
                     b.log()), "the log names the job and the visitor", b.tail())
    tap.ok(re.search(r"%s: conversation ended" % re.escape(gone), b.log()) and
           not re.search(r"%s: conversation ended" % re.escape(here), b.log()),
           "the conversation of the visitor who left is over, the other goes on", b.tail())
    await v2.bye()


asyncio.get_event_loop().run_until_complete(main())
rc = b.stop()
P.stop()
tap.done()
