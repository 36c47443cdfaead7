"""show-mail.py - the X-Sentiment headers of delivered mail, angriest first.

usage: show-mail.py MAILDIR_NEW
One line per message that went to its original recipient (copies the
milter added for a routing rule are counted, not repeated): score, label,
language, flags, queue, ticket, sender and decoded subject.
"""
import email
import email.header
import email.policy
import os
import sys


def decoded(value):
    try:
        return str(email.header.make_header(email.header.decode_header(value or "")))
    except Exception:
        return value or ""


def main():
    d = sys.argv[1]
    rows, copies = [], {}
    for name in os.listdir(d):
        with open(os.path.join(d, name), "rb") as fp:
            m = email.message_from_binary_file(fp, policy=email.policy.compat32)
        to = m.get("Delivered-To", "")
        mid = m.get("Message-ID", name)
        if to.startswith("senior@"):
            copies[mid] = to
            continue
        xs = m.get("X-Sentiment")
        if xs is None:
            rows.append((99.0, "%-5s %-9s %-4s %-32s %-8s %-6s %-28s %s" % (
                "-", "-", "-", "(not scored: not for support)", "-", "-",
                decoded(m.get("From", ""))[:28], decoded(m.get("Subject", ""))), mid))
            continue
        f = dict(p.strip().split("=", 1) for p in xs.split(";") if "=" in p)
        score = float(f.get("score", "99"))
        rows.append((score, "%-5s %-9s %-4s %-32s %-8s %-6s %-28s %s" % (
            f.get("score"), f.get("label"), f.get("lang"), f.get("flags"),
            m.get("X-Sentiment-Queue", "-"), m.get("X-Sentiment-Ticket", "-"),
            decoded(m.get("From", ""))[:28], decoded(m.get("Subject", ""))[:60]), mid))
    print("%-5s %-9s %-4s %-32s %-8s %-6s %-28s %s" % (
        "score", "label", "lang", "flags", "queue", "ticket", "from", "subject"))
    for score, line, mid in sorted(rows, key=lambda r: r[0]):
        print(line + ("   [+ copy to %s]" % copies[mid] if mid in copies else ""))


if __name__ == "__main__":
    main()
