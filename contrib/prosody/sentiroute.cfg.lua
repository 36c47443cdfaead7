-- sentiroute-xmpp for Prosody 0.12: put this in /etc/prosody/conf.d/sentiroute.cfg.lua
-- (Debian includes conf.d/*.cfg.lua), set the secret, then
--     prosodyctl check config && systemctl reload prosody
-- and point xmpp.domain / xmpp.secret_file in /etc/sentiroute/sentiroute.conf at
-- the same domain and secret.  See sentiroute-xmpp(8).

-- The component listens on loopback only (Prosody's default for components;
-- XEP-0114 has neither TLS nor SASL: the secret is the only protection).
component_ports = { 5347 }
component_interface = "127.0.0.1"

-- The bridge: every stanza to support.example.com or anything@support.example.com
-- goes to sentiroute-xmpp.  Visitors write to help@support.example.com.
Component "support.example.com"
    component_secret = "CHANGE-ME: the same string as in /etc/sentiroute/xmpp.secret"

-- Web-chat visitors: SASL ANONYMOUS, a fresh JID per session, nothing stored.
-- Serve it to your site's widget (Converse.js: authentication = 'anonymous',
-- jid = 'anon.example.com') over BOSH or WebSocket.
VirtualHost "anon.example.com"
    authentication = "anonymous"
    modules_enabled = { "bosh"; "websocket" }
    -- a visitor may only talk to the support domain, not to your users
    -- (mod_limits / mod_firewall can enforce it; see prosody.im/doc)

-- Agents are ordinary accounts on your normal host, listed in xmpp.agents:
--     xmpp.agents = ["alice@example.com Alice: general, senior"];
-- The bridge subscribes to their presence; they accept once in their client.
