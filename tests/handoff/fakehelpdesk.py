#!/usr/bin/env python3
"""fakehelpdesk - strict local stand-ins for Zendesk, Gorgias, RT REST2 and a
signed webhook receiver, for sentiroute's driver, crash and bench tests.

Each mode enforces the documented request shape (shared/reference/*.md):
method, path, auth header, Content-Type, required fields and their types;
an unknown or mistyped field is answered with the 4xx the real API gives,
so a driver that sends it fails its test.  Everything received is recorded
and served at GET /_state; faults are injected with POST /_faults:
  {"status": [429, 503, ...]}   answer the next requests with these codes
                                (before processing them)
  {"retry_after": "2"}          Retry-After sent with 429/503
  {"drop": N}                   process the next N creating requests, then
                                close the connection without an answer
                                (the "unknown outcome" case)
  {"garbage": N}                answer the next N GET requests 200 with an
                                HTML page (a proxy's or a maintenance page)
  {"refuse_cf": ["F", ...]}     RT: a comment does not set these custom
                                fields ("Permission Denied" in its 201),
                                a create leaves them out without a word
                                (the same 201: id, type, _url)
POST /_comments {"id": N, "n": K, "size": S} adds K agent comments to
ticket N (a long conversation: Zendesk lists comments 100 a page, Gorgias
messages at most 100 a page, newest first on GET /api/messages), each
with S bytes of text (Zendesk: as body, html_body and plain_body;
Gorgias: body_text, body_html, stripped_text, stripped_html).
POST /_idem {"key": K} makes Zendesk remember Idempotency-Key K for another
body that made no ticket (a first attempt whose body has changed since):
a create under K gets 400 IdempotentRequestError.
POST /_close {"id": N} closes ticket N as an agent (or an
automation) would: updates then get 422 "closed prevents ticket update",
and a new ticket with via_followup_source_id N is its follow-up.
Prints "PORT <n>" on stdout once listening on 127.0.0.1 (port 0 = free).
Stdlib only.
"""
import argparse
import base64
import hashlib
import hmac
import json
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.RLock()
STATE = {"tickets": [], "comments": {}, "requests": 0, "rejected": [],
         "idem": {}, "webhook": [], "dropped": 0, "faulted": 0, "queries": []}
FAULTS = {"status": [], "retry_after": "1", "drop": 0, "garbage": 0, "refuse_cf": []}
ARGS = None
NEXT_ID = [100]


class Reject(Exception):
    def __init__(self, status, body):
        super().__init__(status)
        self.status = status
        self.body = body


def need(cond, status, body):
    if not cond:
        raise Reject(status, body)


def check_keys(obj, allowed, status, what):
    need(isinstance(obj, dict), status, {"error": "InvalidValue", "description": what + " must be an object"})
    for k in obj:
        need(k in allowed, status, {"error": "InvalidValue", "description": "unknown field %s.%s" % (what, k)})


def is_str(v):
    return isinstance(v, str)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def send(self, status, obj, headers=None):
        body = json.dumps(obj).encode() if obj is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def body_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        self.raw = raw
        if self.command in ("POST", "PUT"):
            ct = self.headers.get("Content-Type", "")
            need(ct.split(";")[0].strip() == "application/json", 415,
                 {"error": "UnsupportedMediaType", "description": "Content-Type must be application/json"})
            try:
                return json.loads(raw.decode("utf-8"))
            except Exception:
                raise Reject(400, {"error": "InvalidJSON", "description": "body is not JSON"})
        return None

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_state":
            with LOCK:
                return self.send(200, STATE)
        if url.path == "/_close":
            obj = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            with LOCK:
                found = [t for t in STATE["tickets"] if t.get("id") == obj.get("id")]
                for t in found:
                    t["status"] = "closed"
            return self.send(200 if found else 404, {"closed": len(found)})
        if url.path == "/_idem":
            obj = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            with LOCK:
                STATE["idem"][obj["key"]] = {"body": "(another body)", "resp": None}
            return self.send(200, {"key": obj["key"]})
        if url.path == "/_comments":
            obj = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            with LOCK:
                c = STATE["comments"].get(str(obj.get("id")))
                # "size": bytes of text per comment (a long email thread:
                # Zendesk answers body, html_body and plain_body for each)
                pad = "x" * max(obj.get("size", 0) - 16, 0)
                for i in range(obj.get("n", 0) if c is not None else 0):
                    c.append({"id": new_id(), "body": "agent note %d %s" % (i, pad), "public": False})
                    if pad and ARGS.mode == "zendesk":
                        c[-1]["html_body"] = c[-1]["plain_body"] = c[-1]["body"]
                    elif pad:   # Gorgias' TicketMessage: four bodies
                        for k in ("body_text", "body_html", "stripped_text", "stripped_html"):
                            c[-1][k] = c[-1]["body"]
            return self.send(200 if c is not None else 404, {"added": obj.get("n", 0)})
        if url.path == "/_faults":
            obj = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            with LOCK:
                FAULTS.update(obj)
            return self.send(200, FAULTS)
        with LOCK:
            STATE["requests"] += 1
            fault = FAULTS["status"].pop(0) if FAULTS["status"] else None
            if fault:
                STATE["faulted"] += 1
            garbage = self.command == "GET" and FAULTS["garbage"] > 0
            if garbage:
                FAULTS["garbage"] -= 1
                STATE["faulted"] += 1
        if garbage:
            page = b"<html><body>Down for maintenance</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        if fault:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            hdr = {"Retry-After": FAULTS["retry_after"]} if fault in (429, 503) else {}
            return self.send(fault, {"error": "fault injected"}, hdr)
        try:
            body = self.body_json()
            status, obj, headers, creating = MODES[ARGS.mode](self, url, body)
        except Reject as r:
            with LOCK:
                STATE["rejected"].append({"path": url.path, "status": r.status, "body": r.body})
            return self.send(r.status, r.body)
        if creating:
            with LOCK:
                drop = FAULTS["drop"] > 0
                if drop:
                    FAULTS["drop"] -= 1
                    STATE["dropped"] += 1
            if drop:
                # processed, but the client never learns: an unknown outcome
                self.close_connection = True
                return
        self.send(status, obj, headers)

    do_GET = do_POST = do_PUT = handle_any


def basic_ok(handler, user, secret):
    want = "Basic " + base64.b64encode(("%s:%s" % (user, secret)).encode()).decode()
    return handler.headers.get("Authorization") == want


def new_id():
    with LOCK:
        NEXT_ID[0] += 1
        return NEXT_ID[0]


# --- Zendesk ---------------------------------------------------------------
ZD_TICKET = {"subject", "comment", "requester", "requester_id", "priority", "type", "status",
             "tags", "custom_fields", "external_id", "assignee_id", "group_id",
             "submitter_id", "organization_id", "brand_id", "ticket_form_id",
             "email_ccs", "collaborators", "followers", "via_followup_source_id"}
ZD_COMMENT = {"body", "html_body", "public", "author_id", "uploads"}


def zd_validate_ticket(t, create):
    check_keys(t, ZD_TICKET | ({"comment"} if not create else set()), 422, "ticket")
    if "comment" in t:
        check_keys(t["comment"], ZD_COMMENT, 422, "comment")
        need(is_str(t["comment"].get("body")), 422, {"error": "RecordInvalid", "details": {"comment": [{"description": "body required"}]}})
        need(isinstance(t["comment"].get("public", True), bool), 422, {"error": "RecordInvalid", "description": "public is bool"})
    if create:
        need("comment" in t, 422, {"error": "RecordInvalid", "details": {"base": [{"description": "comment required"}]}})
        need(is_str(t.get("subject", "")), 422, {"error": "RecordInvalid", "details": {"subject": []}})
    if "priority" in t:
        need(t["priority"] in ("urgent", "high", "normal", "low"), 422, {"error": "RecordInvalid", "details": {"priority": []}})
    if "tags" in t:
        need(isinstance(t["tags"], list) and all(is_str(x) and " " not in x for x in t["tags"]), 422, {"error": "RecordInvalid", "details": {"tags": []}})
    if "requester" in t:
        check_keys(t["requester"], {"name", "email", "locale_id"}, 422, "requester")
        need(is_str(t["requester"].get("email")) and "@" in t["requester"]["email"], 422, {"error": "RecordInvalid", "details": {"requester": []}})
    if "custom_fields" in t:
        need(isinstance(t["custom_fields"], list), 422, {"error": "RecordInvalid"})
        for cf in t["custom_fields"]:
            check_keys(cf, {"id", "value"}, 422, "custom_fields")
            need(isinstance(cf.get("id"), int), 422, {"error": "RecordInvalid"})
    if "external_id" in t:
        need(is_str(t["external_id"]), 422, {"error": "RecordInvalid"})
    if "via_followup_source_id" in t:
        # a follow-up is made only at creation, of an existing closed ticket
        src = t["via_followup_source_id"]
        need(create, 422, {"error": "RecordInvalid", "details": {"via_followup_source_id": [{"description": "only when creating a ticket"}]}})
        need(isinstance(src, int) and not isinstance(src, bool), 422, {"error": "RecordInvalid", "details": {"via_followup_source_id": [{"description": "must be a ticket id (integer)", "error": "InvalidValue"}]}})
        with LOCK:
            found = [x for x in STATE["tickets"] if x["id"] == src]
        need(found, 422, {"error": "RecordInvalid", "details": {"via_followup_source_id": [{"description": "ticket %s not found" % src, "error": "InvalidValue"}]}})
        need(found[0].get("status") == "closed", 422, {"error": "RecordInvalid", "details": {"via_followup_source_id": [{"description": "ticket %s is not closed: add a comment instead" % src, "error": "InvalidValue"}]}})


def zd_query(q, allowed):
    """the real API ignores a parameter it does not know (a misspelt
    sort_order silently lists oldest first): this fake refuses it, so a
    driver sending one fails its test"""
    for k, v in q.items():
        need(k in allowed, 400, {"error": "InvalidParameter", "description": "parameter %s is not documented for this endpoint" % k})
        need(len(v) == 1, 400, {"error": "InvalidParameter", "description": "%s given twice" % k})


def mode_zendesk(h, url, body):
    need(basic_ok(h, ARGS.user + "/token", ARGS.secret), 401, {"error": "Couldn't authenticate you"})
    need(h.headers.get("Accept") == "application/json", 406, {"error": "Accept"})
    p = url.path
    q = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    if h.command == "POST" and p in ("/api/v2/tickets", "/api/v2/tickets.json"):
        check_keys(body, {"ticket"}, 400, "body")
        zd_validate_ticket(body["ticket"], True)
        key = h.headers.get("Idempotency-Key")
        need(key is None or len(key) <= 255, 400, {"error": "InvalidKey"})
        canon = json.dumps(body, sort_keys=True)
        with LOCK:
            if key and key in STATE["idem"]:
                prev = STATE["idem"][key]
                if prev["body"] != canon:
                    raise Reject(400, {"error": "IdempotentRequestError", "description": "Request parameters don't match the given idempotency key"})
                return 201, prev["resp"], {"x-idempotency-lookup": "hit"}, False
        tid = new_id()
        t = dict(body["ticket"], id=tid, status=body["ticket"].get("status", "new"))
        src = t.get("via_followup_source_id")
        if src is not None:
            t["via"] = {"channel": "api", "source": {"rel": "follow_up", "from": {"ticket_id": src}, "to": {}}}
        resp = {"ticket": t}
        with LOCK:
            if src is not None:
                for x in STATE["tickets"]:
                    if x["id"] == src:
                        x.setdefault("followup_ids", []).append(tid)
            STATE["tickets"].append(t)
            STATE["comments"][str(tid)] = [{"id": new_id(), "body": t["comment"]["body"], "public": t["comment"].get("public", True)}]
            if key:
                STATE["idem"][key] = {"body": canon, "resp": resp}
        return 201, resp, {"Location": "/api/v2/tickets/%d" % tid, "x-idempotency-lookup": "miss"}, True
    if h.command == "GET" and p == "/api/v2/tickets":
        # List Tickets by external_id (reference/zendesk.md, external_id
        # row and Idempotency-Key); nothing else is sent or accepted here
        zd_query(q, {"external_id"})
        ext = q.get("external_id", [None])[0]
        need(ext is not None, 400, {"error": "external_id"})
        with LOCK:
            found = [t for t in STATE["tickets"] if t.get("external_id") == ext]
        return 200, {"tickets": found, "count": len(found)}, {}, False
    m = re.fullmatch(r"/api/v2/tickets/(\d+)(/comments)?", p)
    if m and h.command == "GET" and m.group(2):
        zd_query(q, {"sort_order", "page", "per_page", "include_inline_images", "include"})
        with LOCK:
            c = STATE["comments"].get(m.group(1))
        need(c is not None, 404, {"error": "RecordNotFound"})
        # List Comments with offset pagination as Zendesk's: at most 100 a
        # page, oldest first unless sort_order=desc.  reference/zendesk.md
        # names the endpoint only (Open questions 3); the parameters are the
        # official List Comments section of
        # developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/
        # (sort_order for offset pagination; cursor pagination, page[size],
        # sorts with "sort" instead and is not served here)
        per = q.get("per_page", ["100"])[0]
        page = q.get("page", ["1"])[0]
        need(per.isdigit() and 1 <= int(per) and page.isdigit() and int(page) >= 1, 400,
             {"error": "InvalidPaginationParameter"})
        per, page = min(int(per), 100), int(page)
        order = q.get("sort_order", ["asc"])[0]
        need(order in ("asc", "desc"), 400, {"error": "InvalidValue"})
        c = list(reversed(c)) if order == "desc" else c
        more = len(c) > page * per

        def page_url(n):
            # Zendesk's next_page/previous_page: the absolute URL of that
            # page with the request's other parameters kept
            qq = dict((k, v[0]) for k, v in q.items())
            qq["page"] = str(n)
            return "http://%s%s?%s" % (h.headers.get("Host"), p, urllib.parse.urlencode(qq))
        return 200, {"comments": c[(page - 1) * per:page * per], "count": len(c),
                     "next_page": page_url(page + 1) if more else None,
                     "previous_page": page_url(page - 1) if page > 1 else None}, {}, False
    if m and h.command == "PUT" and not m.group(2):
        check_keys(body, {"ticket"}, 400, "body")
        zd_validate_ticket(body["ticket"], False)
        with LOCK:
            c = STATE["comments"].get(m.group(1))
            need(c is not None, 404, {"error": "RecordNotFound"})
            t = [x for x in STATE["tickets"] if x["id"] == int(m.group(1))]
            need(not t or t[0].get("status") != "closed", 422,
                 {"error": "RecordInvalid", "description": "Record validation errors",
                  "details": {"status": [{"description": "Status: closed prevents ticket update"}]}})
            if "comment" in body["ticket"]:
                c.append({"id": new_id(), "body": body["ticket"]["comment"]["body"], "public": body["ticket"]["comment"].get("public", True)})
        return 200, {"ticket": {"id": int(m.group(1))}}, {}, True
    raise Reject(404, {"error": "InvalidEndpoint"})


# --- Gorgias ----------------------------------------------------------------
GG_TICKET = {"messages", "channel", "via", "from_agent", "customer", "subject", "status",
             "priority", "tags", "custom_fields", "external_id", "assignee_user",
             "assignee_team", "language", "meta", "created_datetime", "opened_datetime",
             "closed_datetime", "snooze_datetime"}
GG_MESSAGE = {"channel", "via", "from_agent", "sender", "receiver", "source", "body_text",
              "body_html", "subject", "public", "attachments", "external_id", "message_id",
              "integration_id", "headers", "meta", "created_datetime", "sent_datetime"}


def gg_bad(msg):
    return {"error": {"msg": msg}}


def gg_message(m):
    check_keys(m, GG_MESSAGE, 400, "message")
    for k in ("channel", "via"):
        need(is_str(m.get(k)), 400, gg_bad("message.%s is required" % k))
    need(isinstance(m.get("from_agent"), bool), 400, gg_bad("message.from_agent is required"))
    need(isinstance(m.get("sender"), dict) and ("email" in m["sender"] or "id" in m["sender"]), 400, gg_bad("message.sender"))
    if not m["from_agent"]:
        need("receiver" not in m, 400, gg_bad("incoming messages have no receiver"))
    if "external_id" in m:
        need(is_str(m["external_id"]) and len(m["external_id"]) <= 255, 400, gg_bad("external_id"))


def gg_query(q, allowed):
    """Gorgias answers 400 to unknown parameters (reference/gorgias.md, Errors);
    one value each"""
    for k, v in q.items():
        need(k in allowed, 400, gg_bad("unknown parameter %s" % k))
        need(len(v) == 1, 400, gg_bad("%s given twice" % k))


def gg_cursor(start):
    # opaque, short-lived, base64 with '+', '/' and '=' as Gorgias' are: a
    # client must pass meta.next_cursor back URL-encoded, unchanged
    return base64.b64encode(b"\xfb\xff" + ("next__%d" % start).encode()).decode()


def gg_page(items, q, default):
    """cursor pagination (Gorgias' list endpoints): limit 1..100, cursor
    from a previous answer's meta.next_cursor, null on the last page"""
    lim = q.get("limit", [str(default)])[0]
    need(lim.isdigit() and 1 <= int(lim) <= 100, 400, gg_bad("limit: 1 to 100"))
    start = 0
    if "cursor" in q:
        try:
            raw = base64.b64decode(q["cursor"][0], validate=True)
            need(raw.startswith(b"\xfb\xff"), 400, gg_bad("invalid cursor"))
            start = int(raw[2:].decode().split("__")[1])
        except (ValueError, IndexError, UnicodeDecodeError):
            raise Reject(400, gg_bad("invalid cursor"))
    n = int(lim)
    nxt = gg_cursor(start + n) if len(items) > start + n else None
    prev = gg_cursor(max(start - n, 0)) if start > 0 else None
    return 200, {"object": "list", "data": items[start:start + n],
                 "meta": {"next_cursor": nxt, "prev_cursor": prev}}, {}, False


def mode_gorgias(h, url, body):
    need(basic_ok(h, ARGS.user, ARGS.secret), 401, gg_bad("Unauthorized"))
    p = url.path
    q = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    if h.command == "POST" and p == "/api/tickets":
        check_keys(body, GG_TICKET, 400, "ticket")
        msgs = body.get("messages")
        need(isinstance(msgs, list) and 1 <= len(msgs) <= 500, 400, gg_bad("messages: 1 to 500 required"))
        for m in msgs:
            gg_message(m)
        if "tags" in body:
            need(isinstance(body["tags"], list) and all(isinstance(t, dict) and is_str(t.get("name")) for t in body["tags"]), 400, gg_bad("tags are objects with a name"))
        if "priority" in body:
            need(body["priority"] in ("critical", "high", "normal", "low"), 400, gg_bad("priority"))
        if "status" in body:
            need(body["status"] in ("open", "closed"), 400, gg_bad("status"))
        if "customer" in body:
            check_keys(body["customer"], {"id", "email", "name"}, 400, "customer")
        if "external_id" in body:
            need(is_str(body["external_id"]) and len(body["external_id"]) <= 255, 400, gg_bad("external_id"))
        if "meta" in body:
            need(isinstance(body["meta"], dict), 400, gg_bad("meta"))
        tid = new_id()
        t = dict(body, id=tid)
        with LOCK:
            STATE["tickets"].append(t)
            STATE["comments"][str(tid)] = [dict(m, id=new_id()) for m in msgs]
        return 201, {"id": tid, "external_id": body.get("external_id")}, {}, True
    if h.command == "GET" and p == "/api/tickets":
        gg_query(q, {"external_id", "cursor", "limit", "order_by"})
        ext = q.get("external_id", [None])[0]
        with LOCK:
            found = [{"id": t["id"], "external_id": t.get("external_id")} for t in STATE["tickets"] if ext is None or t.get("external_id") == ext]
        return gg_page(found, q, 30)
    m = re.fullmatch(r"/api/tickets/(\d+)/messages", p)
    if m and h.command == "POST":
        gg_message(body)
        with LOCK:
            c = STATE["comments"].get(m.group(1))
            need(c is not None, 404, gg_bad("ticket not found"))
            mid = new_id()
            c.append(dict(body, id=mid))
        return 201, {"id": mid}, {}, True
    if m and h.command == "GET":
        # the deprecated per-ticket list: oldest first, one page of 30 here
        # (a client reading only it misses a long ticket's newest messages)
        with LOCK:
            c = STATE["comments"].get(m.group(1))
        need(c is not None, 404, gg_bad("ticket not found"))
        return 200, {"data": c[:30], "meta": {"next_cursor": "page2" if len(c) > 30 else None}}, {}, False
    if h.command == "GET" and p == "/api/messages":
        # GET /api/messages: cursor pages, limit 1..100 (default 30),
        # order_by created_datetime:desc (default) or :asc, ticket_id filter
        gg_query(q, {"cursor", "limit", "order_by", "ticket_id"})
        tid = q.get("ticket_id", [None])[0]
        need(tid is None or tid.isdigit(), 400, gg_bad("ticket_id must be an integer"))
        order = q.get("order_by", ["created_datetime:desc"])[0]
        need(order in ("created_datetime:asc", "created_datetime:desc"), 400, gg_bad("order_by"))
        with LOCK:
            if tid is None:
                c = [dict(x, ticket_id=int(k)) for k, v in STATE["comments"].items() for x in v]
            else:
                c = [dict(x, ticket_id=int(tid)) for x in STATE["comments"].get(tid, [])]
        c.sort(key=lambda x: x["id"], reverse=order.endswith(":desc"))
        return gg_page(c, q, 30)
    raise Reject(404, gg_bad("not found"))


# --- RT REST2 ---------------------------------------------------------------
RT_CREATE = {"Queue", "Subject", "Requestor", "Cc", "AdminCc", "Owner", "Status", "Priority",
             "Due", "Content", "ContentType", "CustomFields", "Attachments"}
RT_COMMENT = {"Subject", "Content", "ContentType", "TimeTaken", "Attachments",
              "TxnCustomFields", "CustomFields"}
RT_CFS = {"SentirouteId", "SentirouteSeq"}


def rt_cfs(cf):
    need(isinstance(cf, dict), 400, {"message": "CustomFields must be an object"})
    for k, v in cf.items():
        need(k in RT_CFS, 400, {"message": "Unknown custom field %s" % k})
        need(is_str(v) or isinstance(v, list), 400, {"message": "bad custom field value"})


def mode_rt(h, url, body):
    need(h.headers.get("Authorization") == "token " + ARGS.secret, 401, {"message": "Unauthorized"})
    p = url.path
    q = urllib.parse.parse_qs(url.query)
    if h.command == "POST" and p == "/REST/2.0/ticket":
        check_keys(body, RT_CREATE, 400, "ticket")
        need("Queue" in body, 400, {"message": "Could not create ticket. Queue not set"})
        need(body["Queue"] == "General", 400, {"message": "Unable to find queue"})
        need(is_str(body.get("Content", "")), 400, {"message": "Content"})
        if "ContentType" in body:
            need(body["ContentType"] in ("text/plain", "text/html"), 400, {"message": "ContentType"})
        if "Priority" in body:
            need(isinstance(body["Priority"], int), 400, {"message": "Priority"})
        if "CustomFields" in body:
            rt_cfs(body["CustomFields"])
        tid = new_id()
        t = dict(body, id=tid)
        if "CustomFields" in body:
            # as RT 5 (REST2 Record/Writable.pm create_record): a field the
            # token's user cannot see is "not found" (in RT's own log only),
            # one it may not set is skipped by RT::Ticket::Create; the
            # ticket is made without it and the 201 says nothing
            t["CustomFields"] = {k: v for k, v in body["CustomFields"].items()
                                 if k not in FAULTS["refuse_cf"]}
        with LOCK:
            STATE["tickets"].append(t)
            STATE["comments"][str(tid)] = []
        return 201, {"id": str(tid), "type": "ticket", "_url": "/REST/2.0/ticket/%d" % tid}, {"Location": "/REST/2.0/ticket/%d" % tid}, True
    if h.command == "GET" and p == "/REST/2.0/tickets":
        query = q.get("query", [""])[0]
        m = re.fullmatch(r"'CF\.\{(\w+)\}' = '([^']*)'", query)
        need(m is not None, 400, {"message": "bad TicketSQL"})
        with LOCK:
            STATE["queries"].append(query)
            found = [{"id": str(t["id"]), "type": "ticket"} for t in STATE["tickets"] if t.get("CustomFields", {}).get(m.group(1)) == m.group(2)]
        return 200, {"items": found, "count": len(found), "page": 1, "per_page": 20, "total": len(found)}, {}, False
    m = re.fullmatch(r"/REST/2.0/ticket/(\d+)(/comment|/correspond)?", p)
    if m and h.command == "GET" and not m.group(2):
        with LOCK:
            t = next((t for t in STATE["tickets"] if str(t["id"]) == m.group(1)), None)
        need(t is not None, 404, {"message": "Resource does not exist"})
        cfs = [{"name": k, "values": [v]} for k, v in t.get("CustomFields", {}).items()]
        return 200, {"id": t["id"], "Subject": t.get("Subject"), "CustomFields": cfs}, {}, False
    if m and h.command == "POST" and m.group(2):
        check_keys(body, RT_COMMENT, 400, "comment")
        need(is_str(body.get("Content")) and is_str(body.get("ContentType")), 400, {"message": "Content and ContentType required"})
        with LOCK:
            t = next((t for t in STATE["tickets"] if str(t["id"]) == m.group(1)), None)
            need(t is not None, 404, {"message": "Resource does not exist"})
            results = ["Comments added"]
            if "CustomFields" in body:
                rt_cfs(body["CustomFields"])
            STATE["comments"][m.group(1)].append(body)
            if "CustomFields" in body:
                # as RT 5 (REST2 Message.pm): the comment first, then each
                # field; one the token's user may not modify is left as it
                # was, "Permission Denied" in the answer, still a 201
                for k, v in body["CustomFields"].items():
                    if k in FAULTS["refuse_cf"]:
                        results.append("Permission Denied")
                    else:
                        t.setdefault("CustomFields", {})[k] = v
        return 201, results, {}, True
    raise Reject(404, {"message": "Not found"})


# --- webhook ---------------------------------------------------------------
def mode_webhook(h, url, body):
    need(h.command == "POST" and url.path == "/hook", 404, {"error": "not found"})
    ts = h.headers.get("X-Sentiroute-Timestamp", "")
    sig = h.headers.get("X-Sentiroute-Signature", "")
    key = h.headers.get("X-Sentiroute-Idempotency-Key", "")
    need(ts.isdigit() and abs(time.time() - int(ts)) < 300, 401, {"error": "stale timestamp"})
    want = "sha256=" + hmac.new(ARGS.secret.encode(), ts.encode() + b"." + h.raw, hashlib.sha256).hexdigest()
    need(hmac.compare_digest(want, sig), 401, {"error": "bad signature"})
    check_keys(body, {"event", "idempotency_key", "ticket", "transcript"}, 422, "body")
    need(body["event"] in ("handoff", "comment") and body["idempotency_key"] == key and key, 422, {"error": "event/key"})
    need(isinstance(body["transcript"], list) and all(is_str(m.get("text")) and is_str(m.get("at")) for m in body["transcript"]), 422, {"error": "transcript"})
    t = body["ticket"]
    need(isinstance(t, dict) and is_str(t.get("external_id")) and isinstance(t.get("score"), (int, float)) and is_str(t.get("label")), 422, {"error": "ticket"})
    with LOCK:
        STATE["webhook"].append({"key": key, "event": body["event"], "external_id": t["external_id"]})
        if key in STATE["idem"]:
            return 200, {"id": STATE["idem"][key]}, {}, False
        rid = "wh-%d" % new_id()
        STATE["idem"][key] = rid
        if body["event"] == "handoff":
            STATE["tickets"].append({"id": rid, "external_id": t["external_id"], "label": t["label"], "transcript": body["transcript"]})
        else:
            STATE["comments"].setdefault(t["external_id"], []).append(body["transcript"])
    return 200, {"id": rid}, {}, True


MODES = {"zendesk": mode_zendesk, "gorgias": mode_gorgias, "rt": mode_rt, "webhook": mode_webhook}


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass   # clients killed with SIGKILL reset their connections: expected here


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", required=True, choices=sorted(MODES))
    ap.add_argument("--user", default="agent@example.com")
    ap.add_argument("--secret", required=True)
    ap.add_argument("--lifetime", type=float, default=600, help="exit after this many seconds")
    ARGS = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    threading.Timer(ARGS.lifetime, lambda: srv.shutdown()).start()
    print("PORT %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
