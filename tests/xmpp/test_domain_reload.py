#!/usr/bin/python3
"""test_domain_reload - after a reload that changes xmpp.domain, an answer
to a conversation begun at the old domain still reaches the visitor and
does not end the component's stream.

The engine answers a visitor from the address the visitor wrote to.  A
real Prosody (../shared/peers) closes a component's stream when it sends
from outside its domain (invalid-from); the relayed answer, never
confirmed, went again after each reconnect and ended each new stream too.
"""
import asyncio
import json
import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xmpptest as xt  # noqa: E402

tap = xt.Tap(5)
D = xt.tmpdir()
NEW = "bridge2.localhost"
P = xt.Prosody(D, extra_components=[(NEW, "s3cret-comp")])
P.start()
sec = xt.secret_file(os.path.join(D, "secret"), P.secret)
CONF = """
xmpp = {{ domain = "{dom}"; port = {port}; secret_file = "{sec}";
  ask_on_first_line = true; reconnect_min = 0.2; reconnect_max = 1; }};
"""
b = xt.Bridge(D, CONF.format(dom=P.domain, port=P.comp, sec=sec))
b.start()


async def main():
    v1 = await xt.login(P.c2s, "anon.localhost")
    v1.say("help@" + P.domain, "hello there")
    tap.ok(await v1.expect(None, 10) is not None, "the visitor is answered at the old domain")
    b.write(CONF.format(dom=NEW, port=P.comp, sec=sec))
    b.signal(signal.SIGHUP)
    ok = await b.until_log(r"connected to .* as %s" % re.escape(NEW), 10)
    tap.ok(ok, "SIGHUP with a new xmpp.domain: the bridge reconnects as " + NEW, b.tail())
    before = len(re.findall(r"disconnected from", b.log()))
    rc, out, err = b.ctl("tickets", "--format", "json")
    tid = [t["id"] for t in json.loads(out or "[]")][-1]
    xt.subprocess.run([xt.CTL, "-c", b.conf, "--store", b.store, "ticket", "reply", str(tid),
                       "--author", "anna"], input="the answer after the reload", text=True,
                      capture_output=True, timeout=60)
    m = await v1.expect("the answer after the reload", 10)
    tap.ok(m is not None and str(m["from"]).endswith("@" + NEW),
           "the answer reaches the visitor, from the new domain (%s)" % (m["from"] if m else None),
           b.tail() + "\n" + P.tail(4))
    await asyncio.sleep(1)
    rc, out, err = b.ctl("outbox", "list", "--format", "json")
    states = [j["state"] for j in json.loads(out or "[]") if j.get("kind") == "deliver"]
    tap.ok(len(re.findall(r"disconnected from", b.log())) == before and states == ["done"],
           "the stream held and the answer is done (%s)" % states, b.tail())
    await v1.bye()


asyncio.get_event_loop().run_until_complete(main())
rc = b.stop()
tap.ok(rc == 0, "SIGTERM: clean exit", b.tail())
P.stop()
tap.done()
