-- storefull.lua - the store fills up (a tiny map): the milter's failure
-- policy decides.  want="tempfail": the message gets 4xx (SMFIR_TEMPFAIL);
-- want="accept": it passes without X-Sentiment headers, the forged one
-- still removed.  Messages of ~60 KB each until the store refuses.
dofile(luadir .. "/common.lua")
local conn = open()
local failed = false
for i = 1, 200 do
    local qid = "FULL" .. i
    envelope(conn, qid, "filler" .. i .. "@example.test", { "help@support.test" })
    headers(conn, { {"From", "filler" .. i .. "@example.test"}, {"Subject", "filler " .. i},
                    {"Message-ID", "<filler-" .. i .. "@example.test>"},
                    {"X-Sentiment-Label", "promoter"} }, SMFIR_CONTINUE)
    local err = mt.bodyrandom(conn, 60000)
    if err ~= nil then fail("body: " .. tostring(err)) end
    local e = mt.eom(conn)
    if e ~= nil then fail("eom: " .. tostring(e)) end
    local r = mt.getreply(conn)
    if want == "tempfail" then
        -- with smfi_setreply() the 4xx comes as a reply code (SMFIR_REPLYCODE)
        if r == (SMFIR_REPLYCODE or 121) or r == SMFIR_TEMPFAIL then
            mt.echo(qid .. ": tempfail")
            failed = true
            break
        end
        if r ~= SMFIR_CONTINUE then fail(qid .. ": reply " .. tostring(r)) end
    else
        if r ~= SMFIR_CONTINUE then fail(qid .. ": reply " .. tostring(r)) end
        if not mt.eom_check(conn, MT_HDRADD, "X-Sentiment") then
            if not mt.eom_check(conn, MT_HDRDELETE, "X-Sentiment-Label") then
                fail(qid .. ": forged header kept on failure")
            end
            mt.echo(qid .. ": accepted without headers")
            failed = true
            break
        end
    end
end
if not failed then fail("the store never filled up") end
mt.disconnect(conn)
mt.echo("PASS")
