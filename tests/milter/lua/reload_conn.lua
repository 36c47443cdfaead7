-- reload_conn.lua - a reload while one connection stays open (Postfix
-- keeps its milter connection for the whole SMTP session): the message
-- in flight finishes with the configuration it started with, the next
-- message on the same connection follows the new one.
--   -D sync=DIR: writes DIR/inflight when message 1 is half sent, waits
--   for DIR/go (the shell reloads in between): help@support.test is a
--   support address before, new@elsewhere.test after.
dofile(luadir .. "/common.lua")

local function exists(p)
    local f = io.open(p, "r")
    if f then f:close() return true end
    return false
end

local conn = open()
local body = "This is the third time I write. Refund me now or I call my lawyer!\r\n"
-- message 1: envelope and headers under the old configuration
envelope(conn, "RELOAD1", "jane@example.test", { "help@support.test" })
headers(conn, { {"From", "jane@example.test"}, {"Subject", "Order 1234"},
                {"Content-Type", "text/plain; charset=utf-8"} }, SMFIR_CONTINUE)
local f = io.open(sync .. "/inflight", "w"); f:write("1"); f:close()
for _ = 1, 300 do
    if exists(sync .. "/go") then break end
    mt.sleep(0.1)
end
if not exists(sync .. "/go") then fail("no reload signalled") end
-- the rest of message 1 after the reload: still scored
expect("body RELOAD1", conn, mt.bodystring(conn, body), SMFIR_CONTINUE)
expect("eom RELOAD1", conn, mt.eom(conn), SMFIR_CONTINUE)
if not mt.eom_check(conn, MT_HDRADD, "X-Sentiment") then fail("RELOAD1: in flight, not scored") end
mt.echo("RELOAD1 (in flight): scored")
-- message 2, same connection: to the recipient the reload added
local v = scored_message(conn, "RELOAD2", "jane@example.test", { "new@elsewhere.test" },
    "Order 1234", body)
mt.echo("RELOAD2 (new recipient, same connection): " .. tostring(v))
-- message 3, same connection: to the recipient the reload removed
envelope(conn, "RELOAD3", "jane@example.test", { "help@support.test" }, SMFIR_ACCEPT)
mt.echo("RELOAD3 (removed recipient, same connection): untouched")
mt.disconnect(conn)
mt.echo("PASS")
