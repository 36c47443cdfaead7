-- bigbody.lua - a body far over milter.max_scan_bytes: the filter asks the
-- MTA to skip the rest (SMFIR_SKIP), scores what it read, flags truncated
dofile(luadir .. "/common.lua")
local conn = open()
if not mt.test_option(conn, SMFIP_SKIP) then fail("filter did not negotiate SMFIP_SKIP") end
-- headers and the end of headers without replies: no round trip until the body
if not mt.test_option(conn, SMFIP_NR_HDR) then fail("filter did not negotiate SMFIP_NR_HDR") end
if not mt.test_option(conn, SMFIP_NR_EOH) then fail("filter did not negotiate SMFIP_NR_EOH") end
envelope(conn, "BIG1", "big@example.test", { "help@support.test" })
headers(conn, { {"From", "big@example.test"}, {"Subject", "log attached"} }, SMFIR_CONTINUE)
local line = "I am very angry and disappointed, nothing works. "
local chunk = string.rep(line .. "\r\n", 1200)   -- ~62 KB
local skipped = false
for i = 1, 64 do                                 -- up to ~4 MB
    local err = mt.bodystring(conn, chunk)
    if err ~= nil then fail("body: " .. tostring(err)) end
    local r = mt.getreply(conn)
    if r == SMFIR_SKIP then skipped = true; break end
    if r ~= SMFIR_CONTINUE then fail("body reply " .. tostring(r)) end
end
if not skipped then fail("no SMFIR_SKIP for a 4 MB body") end
expect("eom", conn, mt.eom(conn), SMFIR_CONTINUE)
local v = mt.getheader(conn, "X-Sentiment", 0)
mt.echo("X-Sentiment: " .. tostring(v))
if v == nil or not string.find(v, "truncated") then fail("not flagged truncated") end
mt.disconnect(conn)
mt.echo("PASS")
