# shellcheck shell=bash
# Sourced by ci/lab. Creates fresh maildirs: alice's INBOX holds 3 known
# messages (plain; dot-stuffing bait; multipart), bob's INBOX is empty.
# Files live in new/ with increasing names, so UIDs 1..3 follow this order.

mail_message_1() {
  cat <<'EOF'
Return-Path: <postmaster@lab.test>
From: Lab Postmaster <postmaster@lab.test>
To: Alice <alice@lab.test>
Subject: Welcome to the mailspec lab
Date: Mon, 02 Nov 2026 09:00:00 +0000
Message-ID: <lab-1@lab.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hello Alice,

this is the first known message of the mailspec lab.
EOF
}

# Lines starting with "." must be dot-stuffed by POP3 RETR/TOP (and SMTP DATA);
# one line is a lone "." that would end the transfer if not stuffed.
mail_message_2() {
  cat <<'EOF'
Return-Path: <bob@lab.test>
From: Bob <bob@lab.test>
To: Alice <alice@lab.test>
Subject: Dots at line starts
Date: Mon, 02 Nov 2026 10:00:00 +0000
Message-ID: <lab-2@lab.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

The next lines start with dots.
.leading dot line
..two leading dots
.
The line above is a single dot; this one is the last.
EOF
}

mail_message_3() {
  cat <<'EOF'
Return-Path: <bob@lab.test>
From: Bob <bob@lab.test>
To: Alice <alice@lab.test>
Subject: Multipart with an attachment
Date: Mon, 02 Nov 2026 11:00:00 +0000
Message-ID: <lab-3@lab.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="lab-boundary-3"

This is a multi-part message in MIME format.

--lab-boundary-3
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Hi Alice, the notes are attached.

--lab-boundary-3
Content-Type: text/plain; charset=us-ascii; name="notes.txt"
Content-Disposition: attachment; filename="notes.txt"
Content-Transfer-Encoding: base64

bWFpbHNwZWMgbGFiIG5vdGVzOiBsaW5lIG9uZQpsaW5lIHR3bwo=

--lab-boundary-3--
EOF
}

mail_create() {
  local m=$LAB/mail i user f
  for user in alice bob; do
    mkdir -p "$m/$user/Maildir/cur" "$m/$user/Maildir/new" "$m/$user/Maildir/tmp"
  done
  # alice's Drafts, Sent and Trash (empty): dovecot.sh gives them their special use (RFC 6154).
  for f in Drafts Sent Trash; do
    mkdir -p "$m/alice/Maildir/.$f/cur" "$m/alice/Maildir/.$f/new" "$m/alice/Maildir/.$f/tmp"
    touch "$m/alice/Maildir/.$f/maildirfolder"
  done
  for i in 1 2 3; do
    f="$m/alice/Maildir/new/176207$((3 + i))000.M${i}P1.lab"
    "mail_message_$i" >"$f"
    touch -d "2026-11-02 0$((8 + i)):00:00 UTC" "$f"
  done
  chown -R 65534:65534 "$m"
  chmod -R u+rwX,go-rwx "$m/alice" "$m/bob"
}
