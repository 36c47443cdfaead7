#!/usr/bin/python3
"""check_reply - read one delivered reply (a file) and print its decoded
fields, one "name<TAB>value" per line, for the shell test to compare:
from, from_name, to, subject, message_id, in_reply_to, references,
auto_submitted, ticket, cte, charset, body, bcc_header, x_sentiment."""
import email
import email.policy
import sys
from email.header import decode_header, make_header


def dec(v):
    return str(make_header(decode_header(v))) if v is not None else ""


msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.compat32)
name, addr = email.utils.parseaddr(dec(msg["From"]))
out = {
    "from": addr,
    "from_name": name,
    "to": email.utils.parseaddr(msg["To"] or "")[1],
    "to_name": email.utils.parseaddr(dec(msg["To"] or ""))[0],
    "subject": dec(msg["Subject"]),
    "message_id": (msg["Message-ID"] or "").strip(),
    "in_reply_to": (msg["In-Reply-To"] or "").strip(),
    "references": " ".join((msg["References"] or "").split()),
    "auto_submitted": msg["Auto-Submitted"] or "",
    "ticket": msg["X-Sentiroute-Ticket"] or "",
    "cte": msg["Content-Transfer-Encoding"] or "",
    "charset": msg.get_content_charset() or "",
    "body": msg.get_payload(decode=True).decode(msg.get_content_charset() or "ascii").replace("\r\n", "\n").rstrip("\n").replace("\n", "\\n"),
    "bcc_header": msg["Bcc"] or "",
    "x_sentiment": msg["X-Sentiment"] or "",
    "date_ok": "yes" if email.utils.parsedate_to_datetime(msg["Date"]) else "no",
}
for k, v in out.items():
    print("%s\t%s" % (k, v))
