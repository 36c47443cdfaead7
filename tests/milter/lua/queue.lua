-- queue.lua - an urgent message to rcpt; the routing rule's queue comes
-- back as X-Sentiment-Queue: want_queue (shows what the store routed with)
--   miltertest -D port=P -D luadir=DIR -D rcpt=ADDR -D want_queue=Q -s queue.lua
dofile(luadir .. "/common.lua")
local conn = open()
local v = scored_message(conn, "QUEUE1", "jane@example.test", { rcpt }, "Order 1234",
    "This is the third time I write. Refund me now or I call my lawyer!\r\n")
if label_of(v) ~= "urgent" then fail("label " .. tostring(label_of(v)) .. ", want urgent") end
local q = mt.getheader(conn, "X-Sentiment-Queue", 0)
mt.echo("X-Sentiment-Queue: " .. tostring(q))
if q ~= want_queue then fail("queue " .. tostring(q) .. ", want " .. want_queue) end
mt.disconnect(conn)
mt.echo("PASS")
