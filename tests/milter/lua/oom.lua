-- oom.lua - the milter has no memory for its connection context (stage =
-- "connect") or for the message's (stage = "mail"): the failure policy
-- decides, as for any other internal error.  want = "tempfail": 4xx (a
-- reply code or SMFIR_TEMPFAIL); want = "accept": the connection or the
-- message passes unexamined (SMFIR_ACCEPT).
dofile(luadir .. "/common.lua")

local function check(what, r)
    if want == "tempfail" then
        if r ~= (SMFIR_REPLYCODE or 121) and r ~= SMFIR_TEMPFAIL then
            fail(what .. ": reply " .. tostring(r) .. ", wanted a tempfail")
        end
    elseif r ~= SMFIR_ACCEPT then
        fail(what .. ": reply " .. tostring(r) .. ", wanted SMFIR_ACCEPT")
    end
    mt.echo(what .. ": " .. want)
end

local conn
if stage == "connect" then
    conn = mt.connect(sock, 50, 0.1)
    if conn == nil then fail("mt.connect(" .. sock .. ")") end
    mt.macro(conn, SMFIC_CONNECT, "j", "mx.sentiroute.test")
    local err = mt.conninfo(conn, "client.example.test", "127.0.0.1")
    if err ~= nil then fail("conninfo: " .. tostring(err)) end
    check("connect", mt.getreply(conn))
else
    conn = open()
    mt.macro(conn, SMFIC_MAIL, "i", "OOM1")
    local err = mt.mailfrom(conn, "<jane@example.test>")
    if err ~= nil then fail("mailfrom: " .. tostring(err)) end
    check("mail from", mt.getreply(conn))
end
mt.disconnect(conn)
mt.echo("PASS")
