-- term_inflight.lua - SIGTERM while a message is half sent: the filter
-- finishes it (headers, ticket) before it stops.
--   -D sync=DIR: writes DIR/inflight after the headers, then waits a
--   second (the shell sends SIGTERM) and sends the body and end of message
dofile(luadir .. "/common.lua")
local conn = open()
envelope(conn, "TERM1", "jane@example.test", { "help@support.test" })
headers(conn, { {"From", "jane@example.test"}, {"Subject", "Order 1234"},
                {"Message-ID", "<term1@example.test>"},
                {"Content-Type", "text/plain; charset=utf-8"} }, SMFIR_CONTINUE)
local f = io.open(sync .. "/inflight", "w"); f:write("1"); f:close()
mt.sleep(1)
expect("body TERM1", conn,
       mt.bodystring(conn, "This is the third time I write. Refund me now or I call my lawyer!\r\n"),
       SMFIR_CONTINUE)
expect("eom TERM1", conn, mt.eom(conn), SMFIR_CONTINUE)
if not mt.eom_check(conn, MT_HDRADD, "X-Sentiment") then fail("TERM1: no X-Sentiment") end
if have_tickets == "1" and not mt.eom_check(conn, MT_HDRADD, "X-Sentiment-Ticket") then
    fail("TERM1: no ticket")
end
mt.echo("TERM1 X-Sentiment: " .. tostring(mt.getheader(conn, "X-Sentiment", 0)) ..
        ", ticket " .. tostring(mt.getheader(conn, "X-Sentiment-Ticket", 0)))
mt.disconnect(conn)
mt.echo("PASS")
