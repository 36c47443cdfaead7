-- spoof.lua - X-Sentiment* headers from outside (any case, repeated) are
-- all deleted and ours added; the value carries no CR/LF
dofile(luadir .. "/common.lua")
local conn = open()
envelope(conn, "SPOOF1", "mallory@example.test", { "help@support.test" })
headers(conn, { {"From", "mallory@example.test"}, {"Subject", "Still waiting"},
                {"X-Sentiment", "score=10.0; label=promoter"}, {"X-Sentiment-Score", "10.0"},
                {"x-sentiment-label", "promoter"}, {"X-Sentiment", "score=9.9"},
                {"X-Sentiment-Queue", "vip\r\n\tX-Injected: 1"} }, SMFIR_CONTINUE)
expect("body", conn, mt.bodystring(conn, "This is unacceptable. I want my money back immediately.\r\n"), SMFIR_CONTINUE)
expect("eom", conn, mt.eom(conn), SMFIR_CONTINUE)
for _, h in ipairs({ "X-Sentiment", "X-Sentiment-Score", "x-sentiment-label", "X-Sentiment-Queue" }) do
    if not mt.eom_check(conn, MT_HDRDELETE, h) then fail(h .. " not deleted") end
end
local v = mt.getheader(conn, "X-Sentiment", 0)
if v == nil or string.find(v, "[\r\n]") or string.find(v, "promoter") then fail("X-Sentiment: " .. tostring(v)) end
mt.echo("X-Sentiment: " .. v)
mt.disconnect(conn)
mt.echo("PASS")
