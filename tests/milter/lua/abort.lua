-- abort.lua - a message aborted in the middle of its body, one aborted
-- after RCPT, then a new message on the same connection: it is scored on
-- its own words only (nothing of the aborted ones leaks into it)
dofile(luadir .. "/common.lua")
local conn = open()
envelope(conn, "ABORT1", "angry@example.test", { "help@support.test" })
headers(conn, { {"From", "angry@example.test"}, {"Subject", "lawyer"} }, SMFIR_CONTINUE)
expect("body", conn, mt.bodystring(conn, "I HATE you, this is a scam, my lawyer will sue!!!\r\n"), SMFIR_CONTINUE)
expect("abort", conn, mt.abort(conn), nil)
envelope(conn, "ABORT2", "angry@example.test", { "help@support.test" })
expect("abort after rcpt", conn, mt.abort(conn), nil)
local v = scored_message(conn, "ABORT3", "happy@example.test", { "help@support.test" }, "Thanks",
    "Thank you so much, the parcel arrived and everything is great. Wonderful service!\r\n")
local l = label_of(v)
if l ~= "positive" and l ~= "promoter" then fail("label after abort " .. tostring(l)) end
if mt.eom_check(conn, MT_HDRDELETE) then fail("deleted a header that was never sent") end
mt.disconnect(conn)
mt.echo("PASS")
