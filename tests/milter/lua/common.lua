-- common.lua - helpers for the sentiroute-milter miltertest scripts
-- (dofile'd by each script; Lua 5.1 as miltertest embeds it).
-- Variables from the command line: port (milter on inet:port@127.0.0.1).
-- or sockspec (e.g. unix:/path) instead
sock = sockspec or ("inet:" .. (port or "8895") .. "@127.0.0.1")

-- miltertest prints nothing for a Lua error(): say why on stderr first
function fail(msg)
    io.stderr:write("FAIL: " .. msg .. "\n")
    error(msg)
end

function expect(what, conn, err, want)
    if err ~= nil then fail(what .. ": " .. tostring(err)) end
    if want ~= nil then
        local r = mt.getreply(conn)
        if r ~= want then
            fail(what .. ": reply " .. tostring(r) .. ", wanted " .. tostring(want))
        end
    end
end

-- open - connect, negotiate, conninfo (and HELO when the filter wants it)
function open()
    local conn = mt.connect(sock, 50, 0.1)
    if conn == nil then fail("mt.connect(" .. sock .. ")") end
    mt.macro(conn, SMFIC_CONNECT, "j", "mx.sentiroute.test", "{daemon_name}", "miltertest")
    expect("conninfo", conn, mt.conninfo(conn, "client.example.test", "127.0.0.1"), SMFIR_CONTINUE)
    if not mt.test_option(conn, SMFIP_NOHELO) then
        expect("helo", conn, mt.helo(conn, "client.example.test"), SMFIR_CONTINUE)
    end
    return conn
end

-- envelope - MAIL FROM and RCPT TOs (a table), then DATA when wanted;
-- data_reply: what DATA must answer (default SMFIR_CONTINUE)
function envelope(conn, qid, from, rcpts, data_reply)
    mt.macro(conn, SMFIC_MAIL, "i", qid)
    expect("mailfrom", conn, mt.mailfrom(conn, "<" .. from .. ">"), SMFIR_CONTINUE)
    for _, r in ipairs(rcpts) do
        expect("rcptto " .. r, conn, mt.rcptto(conn, "<" .. r .. ">"), SMFIR_CONTINUE)
    end
    if not mt.test_option(conn, SMFIP_NODATA) then
        expect("data", conn, mt.data(conn), data_reply or SMFIR_CONTINUE)
    end
end

-- headers - send {name, value} pairs; every reply must be want
function headers(conn, hs, want)
    for _, h in ipairs(hs) do
        expect("header " .. h[1], conn, mt.header(conn, h[1], h[2]), want)
    end
    if not mt.test_option(conn, SMFIP_NOEOH) then
        expect("eoh", conn, mt.eoh(conn), want)
    end
end

-- scored_message - one full message to a support address; checks that the
-- sentiment headers came back and returns the X-Sentiment value
function scored_message(conn, qid, from, rcpts, subject, body)
    envelope(conn, qid, from, rcpts)
    headers(conn, { {"From", from}, {"To", rcpts[1]}, {"Subject", subject},
                    {"Content-Type", "text/plain; charset=utf-8"} }, SMFIR_CONTINUE)
    expect("body", conn, mt.bodystring(conn, body), SMFIR_CONTINUE)
    expect("eom", conn, mt.eom(conn), SMFIR_CONTINUE)
    if not mt.eom_check(conn, MT_HDRADD, "X-Sentiment") then fail(qid .. ": no X-Sentiment added") end
    if not mt.eom_check(conn, MT_HDRADD, "X-Sentiment-Score") then fail(qid .. ": no X-Sentiment-Score") end
    if not mt.eom_check(conn, MT_HDRADD, "X-Sentiment-Label") then fail(qid .. ": no X-Sentiment-Label") end
    local v = mt.getheader(conn, "X-Sentiment", 0)
    mt.echo(qid .. " X-Sentiment: " .. tostring(v))
    return v
end

-- label_of - "urgent" from "score=1.2; label=urgent; ..."
function label_of(v)
    return string.match(v or "", "label=([a-z]+)")
end
