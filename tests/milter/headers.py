"""headers.py - summarize delivered mail for the milter's tests and demo.

usage: headers.py MAILDIR_NEW
Prints one line per message, sorted by Message-ID:
  <message-id> TAB Delivered-To TAB X-Sentiment TAB score TAB label TAB queue
  TAB n(X-Sentiment*) TAB safe TAB n(X-Sentiment) TAB X-Sentiment-Ticket
where safe is 1 when every X-Sentiment* value is one line of printable
ASCII.  Standard library only; runs with any python3.
"""
import email
import email.policy
import os
import sys


def main():
    rows = []
    d = sys.argv[1]
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as fp:
            msg = email.message_from_binary_file(fp, policy=email.policy.compat32)
        xs = [(k, v) for k, v in msg.items() if k.lower().startswith("x-sentiment")]
        safe = all(all(0x20 <= ord(c) < 0x7F for c in str(v)) for _, v in xs)
        get = lambda h: " ".join(str(msg.get(h, "-")).split())
        rows.append("\t".join([get("Message-ID"), get("Delivered-To"), get("X-Sentiment"),
                               get("X-Sentiment-Score"), get("X-Sentiment-Label"),
                               get("X-Sentiment-Queue"), str(len(xs)), "1" if safe else "0",
                               str(len(msg.get_all("X-Sentiment", []))),
                               get("X-Sentiment-Ticket")]))
    for r in sorted(rows):
        print(r)


if __name__ == "__main__":
    main()
