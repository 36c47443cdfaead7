-- reuse.lua - five messages over one connection, alternating angry and
-- happy: each gets its own label, forged headers of one message are
-- removed in that message only
dofile(luadir .. "/common.lua")
local conn = open()
for i = 1, 5 do
    local qid = "REUSE" .. i
    envelope(conn, qid, "c" .. i .. "@example.test", { "help@support.test" })
    local hs = { {"From", "c" .. i .. "@example.test"}, {"Subject", "message " .. i},
                 {"Content-Type", "text/plain; charset=utf-8"} }
    if i == 3 then hs[4] = {"X-Sentiment-Score", "10.0"} end
    headers(conn, hs, SMFIR_CONTINUE)
    local body
    if i % 2 == 1 then
        body = "Third time I write! This is unacceptable, refund me now or I call my lawyer.\r\n"
    else
        body = "Thank you so much, everything arrived and it is wonderful. Great service!\r\n"
    end
    expect("body " .. qid, conn, mt.bodystring(conn, body), SMFIR_CONTINUE)
    expect("eom " .. qid, conn, mt.eom(conn), SMFIR_CONTINUE)
    local v = mt.getheader(conn, "X-Sentiment", 0)
    mt.echo(qid .. " X-Sentiment: " .. tostring(v))
    local l = label_of(v)
    if i % 2 == 1 and l ~= "urgent" then fail(qid .. ": label " .. tostring(l) .. ", want urgent") end
    if i % 2 == 0 and l ~= "positive" and l ~= "promoter" then fail(qid .. ": label " .. tostring(l)) end
    local deleted = mt.eom_check(conn, MT_HDRDELETE, "X-Sentiment-Score")
    if i == 3 and not deleted then fail(qid .. ": forged header not deleted") end
    if i ~= 3 and deleted then fail(qid .. ": deleted a header of another message") end
end
mt.disconnect(conn)
mt.echo("PASS")
