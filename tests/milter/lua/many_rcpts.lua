-- many_rcpts.lua - 1000 recipients: a support address as the last one makes
-- the message scored; 1000 others only and it passes untouched
dofile(luadir .. "/common.lua")
local conn = open()
local rcpts = {}
for i = 1, 1000 do rcpts[i] = "user" .. i .. "@elsewhere.test" end
-- accepted at DATA: the message is not read at all
envelope(conn, "MANY1", "bulk@example.test", rcpts, SMFIR_ACCEPT)
mt.disconnect(conn)

conn = open()
rcpts[1001] = "Help+Orders@Support.TEST"
local v = scored_message(conn, "MANY2", "bulk@example.test", rcpts, "Problem",
    "My order never arrived, I am very disappointed and angry.\r\n")
local l = label_of(v)
if l ~= "negative" and l ~= "urgent" then fail("label " .. tostring(l)) end
mt.disconnect(conn)
mt.echo("PASS")
