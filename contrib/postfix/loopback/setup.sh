#!/bin/sh
# setup.sh - a private Postfix instance on loopback in front of
# sentiroute-milter (run as root; Postfix's own programs need it).
#   usage: setup.sh PEERDIR SMTP_PORT MILTER_PORT [DEFAULT_ACTION] [UID] [GID]
#   then:  postfix -c PEERDIR/etc start-fg &   ...   postfix -c PEERDIR/etc stop
# DEFAULT_ACTION is Postfix's per-milter default_action (accept: fail open).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PEERDIR=$1 SMTP_PORT=$2 MILTER_PORT=$3 ACTION=${4:-accept}
UID_=${5:-$(id -u nobody)} GID_=${6:-$(id -g nobody)}
mkdir -p "$PEERDIR/etc" "$PEERDIR/spool" "$PEERDIR/data" "$PEERDIR/mail"
chmod 755 "$PEERDIR"          # postfix daemons must traverse it
subst() { sed -e "s|@PEERDIR@|$PEERDIR|g" -e "s|@SMTP_PORT@|$SMTP_PORT|g" \
              -e "s|@MILTER_PORT@|$MILTER_PORT|g" -e "s|@DEFAULT_ACTION@|$ACTION|g" \
              -e "s|@UID@|$UID_|g" -e "s|@GID@|$GID_|g" "$1"; }
subst "$HERE/main.cf.in"   > "$PEERDIR/etc/main.cf"
subst "$HERE/master.cf.in" > "$PEERDIR/etc/master.cf"
chown postfix:postfix "$PEERDIR/data"; chmod 700 "$PEERDIR/data"
chown "$UID_:$GID_" "$PEERDIR/mail"
# queue directories as "postfix check" makes them, and the quick-start
# marker: the first start skips post-install (~0.6 s)
for d in active bounce corrupt defer deferred flush hold incoming private saved trace; do
    install -d -o postfix -g root -m 700 "$PEERDIR/spool/$d"
done
install -d -o postfix -g postdrop -m 730 "$PEERDIR/spool/maildrop"
install -d -o postfix -g postdrop -m 710 "$PEERDIR/spool/public"
install -d -o root -g root -m 755 "$PEERDIR/spool/pid"
touch "$PEERDIR/spool/quick-start"
# Postfix waits ~1.5 s for a main.cf younger than a few seconds: back-date
touch -d '1 minute ago' "$PEERDIR/etc/main.cf" "$PEERDIR/etc/master.cf"
