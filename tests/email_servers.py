"""Real mail servers for the e-mail channel's tests: Debian's dovecot (IMAP) and aiosmtpd (SMTP).

``Dovecot`` runs ``dovecot -F -c <conf>`` on a free loopback port with a throwaway
passwd-file user and a Maildir in a temporary directory (no system configuration is
read or touched). ``SmtpRelay`` is an aiosmtpd server that records every mail it
receives and delivers it into that Maildir, so the service's answers can be read back
over IMAP like any other mail. Neither protocol is mocked.

Without dovecot the tests fail in CI (``CI=true``) with what to install; elsewhere they
skip with the same message.
"""
from __future__ import annotations

import asyncio
import mailbox
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from tests.conftest import require

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
MISSING = ("dovecot is not installed: the e-mail tests need a real IMAP server "
           "(`apt-get install -y dovecot-imapd` as root; .ci/run installs it)")


def require_dovecot() -> str:
    require(DOVECOT is not None, MISSING)
    assert DOVECOT is not None
    return DOVECOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dovecot exited ({proc.returncode}): {log.read_text(errors='replace')[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"dovecot does not listen on {port} after {timeout} s")


class Dovecot:
    """One dovecot instance, one user (``USER``/``PASSWORD``), one Maildir."""

    USER = "segitseg"
    PASSWORD = "test-imap-password-0123"

    def __init__(self) -> None:
        self.binary = require_dovecot()
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="test-dovecot-"))
        self.maildir = self.dir / "Maildir"
        self.log = self.dir / "dovecot.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def _mail_user(self) -> pwd.struct_passwd:
        """Dovecot never gives mail to uid 0: as root, the mailbox belongs to ``nobody``."""
        return pwd.getpwnam("nobody") if os.getuid() == 0 else pwd.getpwuid(os.getuid())

    def _config(self) -> str:
        me = pwd.getpwuid(os.getuid())
        mail = self._mail_user()
        if os.getuid() == 0:
            # As root, dovecot drops its login and internal processes to these users
            # (the Debian package creates them); the mail user is root itself.
            login_user, internal_user = "dovenull", "dovecot"
            try:
                pwd.getpwnam(login_user), pwd.getpwnam(internal_user)
            except KeyError:
                login_user = internal_user = "nobody"
        else:
            login_user = internal_user = me.pw_name
        return f"""
base_dir = {self.dir}/run
state_dir = {self.dir}/state
instance_name = test-dovecot-{self.port}
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
log_path = {self.log}
info_log_path = {self.log}
mail_location = maildir:{self.maildir}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.dir}/passwd
}}
userdb {{
  driver = static
  args = uid={mail.pw_uid} gid={mail.pw_gid} home={self.dir}/home
}}
protocol imap {{
  mail_max_userip_connections = 200
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
service auth {{
  unix_listener auth-userdb {{
    mode = 0666
  }}
}}
"""

    def start(self) -> None:
        for sub in ("run", "state", "home"):
            (self.dir / sub).mkdir(exist_ok=True)
        for sub in ("cur", "new", "tmp"):
            (self.maildir / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o755)  # the login process (another user) reaches base_dir
        mail = self._mail_user()
        for path in (self.dir / "home", self.maildir, *(self.maildir / s for s in ("cur", "new", "tmp"))):
            os.chown(path, mail.pw_uid, mail.pw_gid)
        (self.dir / "passwd").write_text(f"{self.USER}:{{PLAIN}}{self.PASSWORD}::::::\n")
        conf = self.dir / "dovecot.conf"
        conf.write_text(self._config())
        with open(self.log, "ab") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen([self.binary, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=log)
        _wait_port(self.port, 15, self.proc, self.log)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"imap://{self.USER}:{self.PASSWORD}@127.0.0.1:{self.port}/INBOX"

    def deliver(self, raw: bytes) -> None:
        """Put a mail into the Maildir's new/ as an MTA would (atomically, via tmp/)."""
        box = mailbox.Maildir(str(self.maildir), create=False)
        box.add(mailbox.MaildirMessage(raw))

    def empty(self) -> None:
        """Remove every mail (between tests); dovecot notices on its next look."""
        for sub in ("cur", "new"):
            for f in (self.maildir / sub).iterdir():
                f.unlink()


@dataclass
class SmtpRelay:
    """aiosmtpd on a free port: records each mail and delivers it into the Maildir."""

    dovecot: Dovecot
    port: int = field(default_factory=_free_port)
    deliver: bool = True  # into the Maildir (the bench turns it off: answers stay out of the inbox)
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    # A test's rule: True refuses this mail for now ("451", a temporary failure the sender retries).
    refuse: Callable[[EmailMessage], bool] | None = None
    _controller: object = None

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content
        if self.refuse is not None and self.refuse(message_from_bytes(raw, policy=policy.default)):
            return "451 4.3.0 Try again later"
        if self.deliver:
            self.dovecot.deliver(raw)
        self.received.append(message_from_bytes(raw, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()  # type: ignore[attr-defined]
            self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if address in str(m["To"])]

    async def wait_for(self, address: str, count: int = 1, timeout: float = 20) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mails = self.to(address)
            if len(mails) >= count:
                return mails
            await asyncio.sleep(0.05)
        raise AssertionError(f"{len(self.to(address))} mail(s) to the test address, expected {count}")
