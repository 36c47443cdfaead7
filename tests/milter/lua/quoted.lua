-- quoted.lua - a requester with a quoted local part holding a blank:
-- <"john doe"@example.test> is not johndoe@example.test (another
-- customer), and no answer could be mailed to it (the mail driver refuses
-- an address with a blank).  Such a message is scored, without a
-- ticket; johndoe@example.test keeps a ticket of his own.
dofile(luadir .. "/common.lua")
local conn = open()

local function one(qid, envfrom, from, mid, want_ticket)
    envelope(conn, qid, envfrom, { "help@support.test" })
    local hs = { {"Subject", "Order " .. qid}, {"Message-ID", mid},
                 {"Content-Type", "text/plain; charset=utf-8"} }
    if from ~= nil then table.insert(hs, 1, {"From", from}) end
    headers(conn, hs, SMFIR_CONTINUE)
    expect("body", conn, mt.bodystring(conn, "Where is my order? It is two weeks late.\r\n"), SMFIR_CONTINUE)
    expect("eom", conn, mt.eom(conn), SMFIR_CONTINUE)
    if not mt.eom_check(conn, MT_HDRADD, "X-Sentiment") then fail(qid .. ": not scored") end
    local t = mt.eom_check(conn, MT_HDRADD, "X-Sentiment-Ticket")
    local v = t and mt.getheader(conn, "X-Sentiment-Ticket", 0) or "none"
    mt.echo(qid .. " envelope " .. envfrom .. ", From " .. tostring(from) .. ": ticket " .. tostring(v))
    if want_ticket and not t then fail(qid .. ": no ticket") end
    if not want_ticket and t then fail(qid .. ": ticket " .. tostring(v) .. " for a requester with a blank") end
end

one("QUOTE1", "johndoe@example.test", "johndoe@example.test", "<q1@example.test>", true)
-- no From: the envelope sender would be the requester
one("QUOTE2", "\"john doe\"@example.test", nil, "<q2@example.test>", false)
-- the From address (and the envelope) quoted with a blank
one("QUOTE3", "\"john smith\"@example.net", "\"john smith\"@example.net", "<q3@example.test>", false)
mt.disconnect(conn)
mt.echo("PASS")
