# urgent-to-folder.sieve - file support mail by the headers sentiroute-milter
# adds (Dovecot Pigeonhole / any RFC 5228 Sieve with fileinto and
# variables).  The milter removes X-Sentiment* headers that came from
# outside, so these tests see only its own.
require ["fileinto", "mailbox", "imap4flags"];

# urgent: threats, chargebacks, "third time I write" -> flagged, own folder
if header :is "X-Sentiment-Label" "urgent" {
    addflag "\\Flagged";
    fileinto :create "Support.Urgent";
    stop;
}

# angry but not urgent: a folder for the next shift
if header :is "X-Sentiment-Label" "negative" {
    fileinto :create "Support.Negative";
    stop;
}

# threatening flag on anything (e.g. a legal threat in a neutral tone)
if header :contains "X-Sentiment" "flags=threatening" {
    fileinto :create "Support.Urgent";
    stop;
}

# very happy customers: ask them for a review
if header :is "X-Sentiment-Label" "promoter" {
    fileinto :create "Support.Promoters";
    stop;
}

# routed by a rule (queue name from sentiroute.conf)
if header :is "X-Sentiment-Queue" "senior" {
    fileinto :create "Support.Senior";
}
