-- spoofmany.lua - thousands of distinct forged X-Sentiment-* names (and
-- case variants of some) are each deleted; the names are kept in a hash
-- (a search through a list made this quadratic in the number of names)
dofile(luadir .. "/common.lua")
local conn = open()
envelope(conn, "SPOOF2", "mallory@example.test", { "help@support.test" })
local hs = { {"From", "mallory@example.test"}, {"Subject", "Still waiting"} }
for i = 1, 3000 do
    hs[#hs + 1] = { "X-Sentiment-N" .. i, "forged" }
end
for i = 1, 100 do
    hs[#hs + 1] = { "x-sentiment-n" .. i, "forged again" }
end
headers(conn, hs, SMFIR_CONTINUE)
expect("body", conn, mt.bodystring(conn, "This is unacceptable. I want my money back.\r\n"), SMFIR_CONTINUE)
expect("eom", conn, mt.eom(conn), SMFIR_CONTINUE)
for i = 1, 3000 do
    if not mt.eom_check(conn, MT_HDRDELETE, "X-Sentiment-N" .. i) and
       not mt.eom_check(conn, MT_HDRDELETE, "x-sentiment-n" .. i) then
        fail("X-Sentiment-N" .. i .. " not deleted")
    end
end
local v = mt.getheader(conn, "X-Sentiment", 0)
if v == nil or string.find(v, "forged") then fail("X-Sentiment: " .. tostring(v)) end
mt.echo("deleted 3000 distinct forged names; X-Sentiment: " .. v)
mt.disconnect(conn)
mt.echo("PASS")
