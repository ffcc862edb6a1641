"""A real SMTP server (aiosmtpd) for the email sink's tests, on 127.0.0.1.

Usage: smtp_server.py PORT OUTDIR [USER PASSWORD]

With USER and PASSWORD, AUTH (PLAIN or LOGIN, without TLS) is required.
Each message is written to OUTDIR/NNN.eml (the bytes as received) with
OUTDIR/NNN.json beside it (mail_from, rcpt_tos, login, and the subject
and decoded text parts as Python's email parser reads them), both before the
server answers 250, so a client that saw 250 finds them. Recipients whose
local part starts with "reject" get 550, with "later" 451. Prints "ready"
once it accepts connections; exits when its standard input closes.
"""

import email
import email.policy
import json
import os
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Recorder:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 mailbox unavailable"
        if address.startswith("later"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            base = os.path.join(self.outdir, "%03d" % self.count)
        login = session.auth_data.login.decode() if session.auth_data else None
        with open(base + ".eml.part", "wb") as f:
            f.write(envelope.original_content)
        os.replace(base + ".eml.part", base + ".eml")
        # Parsed by Python's own MIME parser, as a mail client would.
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        parts = {
            part.get_content_type(): part.get_content()
            for part in message.walk()
            if not part.is_multipart()
        }
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "login": login,
            "subject": str(message["Subject"]),
            "content_type": message.get_content_type(),
            "parts": parts,
        }
        with open(base + ".json.part", "w") as f:
            json.dump(meta, f)
        os.replace(base + ".json.part", base + ".json")
        return "250 Message accepted for delivery"


def main():
    port, outdir = int(sys.argv[1]), sys.argv[2]
    options = {}
    if len(sys.argv) == 5:
        user, password = sys.argv[3].encode(), sys.argv[4].encode()

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login == user
                and auth_data.password == password
            )
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

        options = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)
    controller = Controller(Recorder(outdir), hostname="127.0.0.1", port=port, **options)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
