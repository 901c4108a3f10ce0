"""The client configurations ci/clients runs against `mailspec serve`: each is a Debian-packaged
mail client in one mode its users choose, for some --protocol values. command() returns the
argv (never holding the password), the environment, the files to write (path -> (text, mode))
and the file to give on standard input (or None). "quick" is the protocol `ci/clients --quick`
runs it against. The password reaches each client through a
0600 file or the environment, as its documentation recommends."""
import os

USER = "alice"
PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pyclient.py")
MESSAGE = "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: mailspec serve\r\n\r\na test message\r\n"


def result(argv, env=None, files=None, stdin=None):
    return {"argv": argv, "env": env or {}, "files": files or {}, "stdin": stdin}


# ---- curl: --ssl (try STARTTLS, go on without it), --ssl-reqd (require it), imaps:// etc.
def curl(mode):
    def command(proto, host, port, ca, work, secret):
        netrc = os.path.join(work, "netrc")
        msg = os.path.join(work, "message.txt")
        scheme = {"imap": "imap", "pop3": "pop3", "submission": "smtp", "smtp": "smtp",
                  "imaps": "imaps", "pop3s": "pop3s", "submissions": "smtps"}[proto]
        argv = ["curl", "--silent", "--show-error", "--max-time", "12", "--netrc-file", netrc, "--cacert", ca]
        argv += {"opportunistic": ["--ssl"], "required": ["--ssl-reqd"], "implicit": []}[mode]
        argv.append(f"{scheme}://{host}:{port}/")
        if scheme in ("smtp", "smtps"):
            argv += ["--mail-from", "alice@example.com", "--mail-rcpt", "bob@example.com", "--upload-file", msg]
        files = {netrc: (f"machine {host} login {USER} password {secret}\n", 0o600), msg: (MESSAGE, 0o600)}
        return result(argv, files=files)
    return command


# ---- fetchmail: no TLS option = opportunistic STARTTLS; sslproto tls1.2+ = required; ssl = implicit.
def fetchmail(mode):
    def command(proto, host, port, ca, work, secret):
        rc = os.path.join(work, "fetchmailrc")
        p = "IMAP" if proto.startswith("imap") else "POP3"
        opts = {"opportunistic": "", "required": "sslproto tls1.2+", "implicit": "ssl"}[mode]
        text = (f'set no bouncemail\nset postmaster "nobody"\n'
                f"poll localhost with proto {p} port {port} timeout 10\n"
                f'  user "{USER}" there with password "{secret}" is "nobody" here\n'
                f'  options {opts} sslcertfile "{ca}" mda "/bin/true" fetchall\n')
        env = {"HOME": work, "FETCHMAILHOME": work}
        return result(["fetchmail", "-f", rc, "--nodetach", "--nosyslog", "-v"], env=env, files={rc: (text, 0o600)})
    return command


# ---- msmtp: tls on + tls_starttls on = STARTTLS required; tls_starttls off = implicit. (msmtp
# has no opportunistic mode: tls off means no TLS at all.)
def msmtp(mode):
    def command(proto, host, port, ca, work, secret):
        rc = os.path.join(work, "msmtprc")
        msg = os.path.join(work, "message.txt")
        text = (f"account default\nhost {host}\nport {port}\nfrom alice@example.com\nauth on\nuser {USER}\n"
                f"password {secret}\ntls on\ntls_starttls {'on' if mode == 'required' else 'off'}\n"
                f"tls_trust_file {ca}\ntimeout 10\n")
        return result(["msmtp", "-C", rc, "bob@example.com"], files={rc: (text, 0o600), msg: (MESSAGE, 0o600)}, stdin=msg)
    return command


# ---- mbsync (isync): SSLType STARTTLS (required) or IMAPS; syncs INBOX into a local Maildir.
def mbsync(mode):
    def command(proto, host, port, ca, work, secret):
        rc = os.path.join(work, "mbsyncrc")
        pw = os.path.join(work, "password")
        mail = os.path.join(work, "mail")
        text = (f"IMAPAccount test\nHost localhost\nPort {port}\nUser {USER}\nPassCmd \"cat {pw}\"\n"
                f"SSLType {'STARTTLS' if mode == 'required' else 'IMAPS'}\nCertificateFile {ca}\nTimeout 10\n\n"
                f"IMAPStore remote\nAccount test\n\nMaildirStore local\nPath {mail}/\nInbox {mail}/INBOX\n\n"
                f"Channel c\nFar :remote:\nNear :local:\nPatterns INBOX\nCreate Near\nSyncState *\n")
        os.makedirs(mail, exist_ok=True)
        return result(["mbsync", "-c", rc, "c"], files={rc: (text, 0o600), pw: (secret, 0o600)})
    return command


# ---- swaks: --tls-optional (opportunistic, its default: no certificate check), --tls
# --tls-verify (required and verified).
def swaks(mode):
    def command(proto, host, port, ca, work, secret):
        argv = ["swaks", "--server", host, "--port", str(port), "--from", "alice@example.com", "--to", "bob@example.com",
                "--timeout", "10", "--auth", "LOGIN", "--auth-user", USER]
        argv += ["--tls-optional"] if mode == "opportunistic" else ["--tls", "--tls-verify", "--tls-ca-path", ca]
        return result(argv, env={"SWAKS_OPT_auth_password": secret})
    return command


# ---- Python's imaplib, poplib, smtplib (ci/clients.d/pyclient.py).
def python(mode):
    def command(proto, host, port, ca, work, secret):
        p = {"imap": "imap", "imaps": "imap", "pop3": "pop3", "pop3s": "pop3"}.get(proto, "smtp")
        env = {"MAILSPEC_CLIENT_USER": USER, "MAILSPEC_CLIENT_PASSWORD": secret}
        return result(["/usr/bin/python3", PY, p, mode, host, str(port), ca], env=env)
    return command


STARTTLS = ["submission", "imap", "pop3"]
IMPLICIT = ["submissions", "imaps", "pop3s"]

CONFIGS = [
    {"name": "curl-opportunistic", "quick": "imap", "package": "curl", "program": "curl", "protocols": STARTTLS, "command": curl("opportunistic")},
    {"name": "curl-required", "quick": "imap", "package": "curl", "program": "curl", "protocols": STARTTLS, "command": curl("required")},
    {"name": "curl-implicit", "quick": "imaps", "package": "curl", "program": "curl", "protocols": IMPLICIT, "command": curl("implicit")},
    {"name": "fetchmail-default", "quick": "pop3", "package": "fetchmail", "program": "fetchmail", "protocols": ["imap", "pop3"],
     "command": fetchmail("opportunistic")},
    {"name": "fetchmail-required", "quick": "imap", "package": "fetchmail", "program": "fetchmail", "protocols": ["imap", "pop3"],
     "command": fetchmail("required")},
    {"name": "fetchmail-implicit", "quick": "pop3s", "package": "fetchmail", "program": "fetchmail", "protocols": ["imaps", "pop3s"],
     "command": fetchmail("implicit")},
    {"name": "msmtp-required", "quick": "submission", "package": "msmtp", "program": "msmtp", "protocols": ["submission"], "command": msmtp("required")},
    {"name": "msmtp-implicit", "quick": "submissions", "package": "msmtp", "program": "msmtp", "protocols": ["submissions"], "command": msmtp("implicit")},
    {"name": "mbsync-required", "quick": "imap", "package": "isync", "program": "mbsync", "protocols": ["imap"], "command": mbsync("required")},
    {"name": "mbsync-implicit", "quick": "imaps", "package": "isync", "program": "mbsync", "protocols": ["imaps"], "command": mbsync("implicit")},
    {"name": "swaks-opportunistic", "quick": "smtp", "package": "swaks", "program": "swaks", "protocols": ["smtp", "submission"],
     "command": swaks("opportunistic")},
    {"name": "swaks-required", "quick": "submission", "package": "swaks", "program": "swaks", "protocols": ["submission"], "command": swaks("required")},
    {"name": "python-opportunistic", "quick": "pop3", "package": "python3", "program": "python3", "protocols": STARTTLS,
     "command": python("opportunistic")},
    {"name": "python-required", "quick": "pop3", "package": "python3", "program": "python3", "protocols": STARTTLS, "command": python("required")},
    {"name": "python-defaults", "quick": "imap", "package": "python3", "program": "python3", "protocols": STARTTLS, "command": python("defaults")},
    {"name": "python-implicit", "quick": "imaps", "package": "python3", "program": "python3", "protocols": IMPLICIT, "command": python("implicit")},
]
