-- score.lua - one message to rcpt: want="scored" checks for an urgent
-- X-Sentiment, want="untouched" checks that the filter lets it pass
--   miltertest -D port=P -D luadir=DIR -D rcpt=ADDR -D want=scored -s score.lua
dofile(luadir .. "/common.lua")
local conn = open()
if want == "scored" then
    local v = scored_message(conn, "SCORE1", "jane@example.test", { rcpt }, "Order 1234",
        "This is the third time I write. Refund me now or I call my lawyer!\r\n")
    if label_of(v) ~= "urgent" then fail("label " .. tostring(label_of(v)) .. ", want urgent") end
else
    -- no support recipient: accepted at DATA, before any header
    envelope(conn, "SCORE2", "jane@example.test", { rcpt }, SMFIR_ACCEPT)
end
mt.disconnect(conn)
mt.echo("PASS")
