#!/usr/bin/python3
"""test_big_reply - an answer longer than a server takes in one stanza
reaches the visitor (in parts) and does not take the link down, nor the
other visitors' answers with it.

A real Prosody (../shared/peers) closes a component's stream on a stanza
above 512 KiB (component_stanza_size_limit).  A relayed answer is sent
again after every lost link until the server confirms it, so one such
answer used to end the stream at every attempt, every answer relayed with
it was never confirmed either, and the link flapped until handoff.max_attempts
parked them all as failed.
"""
import asyncio
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xmpptest as xt  # noqa: E402

tap = xt.Tap(6)
D = xt.tmpdir()
P, b, HELP = xt.prosody_bridge(D)
# 600 KB of words, lines, some of them XML-hostile, and an end marker
BIG = "".join("line %d: <tag> & \"quotes\" und Grüße, ünïcødé ✓\n" % i for i in range(12000))
BIG += "THE END"


def reply(tid, text):
    return xt.subprocess.run([xt.CTL, "-c", b.conf, "--store", b.store, "ticket", "reply",
                              str(tid), "--author", "anna"], input=text, capture_output=True,
                             text=True, timeout=60)


def squash(s):
    return re.sub(r"\s+", "", s)


async def main():
    v1 = await xt.login(P.c2s, "anon.localhost")
    v2 = await xt.login(P.c2s, "anon.localhost")
    v1.say(HELP, "hello from one")
    v2.say(HELP, "hello from two")
    await v1.expect(None, 10)
    await v2.expect(None, 10)
    rc, out, err = b.ctl("tickets", "--format", "json")
    ids = {t["requester"]: t["id"] for t in json.loads(out or "[]")}
    t1, t2 = ids.get(str(v1.boundjid.bare)), ids.get(str(v2.boundjid.bare))
    before = len(re.findall(r"disconnected from", b.log()))
    r1, r2 = reply(t1, BIG), reply(t2, "a short answer")
    tap.ok(r1.returncode == 0 and r2.returncode == 0 and len(BIG.encode()) > 600000,
           "a %d-byte answer and a short one are stored" % len(BIG.encode()), r1.stderr + r2.stderr)
    m = await v2.expect("a short answer", 15)
    tap.ok(m is not None, "the other visitor gets the short answer", b.tail())
    got = ""
    while "THE END" not in got:
        m = await v1.expect(None, 10)
        if m is None:
            break
        got += xt.body_of(m) + "\n"
    tap.ok(squash(got) == squash(BIG), "the long answer arrives whole, in parts (%d bytes)"
           % len(got.encode()), b.tail())
    rc, out, err = b.ctl("outbox", "list", "--format", "json")
    states = [j["state"] for j in json.loads(out or "[]") if j.get("kind") == "deliver"]
    tap.ok(len(re.findall(r"disconnected from", b.log())) == before and states == ["done", "done"],
           "the link held and both answers are done (%s)" % states, b.tail() + P.tail(5))
    # no space, no line break: cut between characters, never inside one
    word = "\u00fc\u20ac\U0001D11E" * 70000 + "Z"
    r = reply(t1, word)
    got = ""
    while not got.endswith("Z"):
        m = await v1.expect(None, 10)
        if m is None:
            break
        got += xt.body_of(m)
    tap.ok(r.returncode == 0 and got == word, "a %d-byte answer without a space arrives whole "
           "(%d bytes)" % (len(word.encode()), len(got.encode())), got[-100:])
    await v1.bye()
    await v2.bye()


asyncio.get_event_loop().run_until_complete(main())
rc = b.stop()
tap.ok(rc == 0, "SIGTERM: clean exit", b.tail())
P.stop()
tap.done()
