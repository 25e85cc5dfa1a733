"""Where a mail server is: one ``imap[s]://`` or ``smtp[s]://`` URL, read the same way by
the e-mail channel (IMAP and SMTP) and by the mail outbox (SMTP), so the two never
disagree about ports, TLS or whose credentials win."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    tls: bool            # implicit TLS (imaps://, smtps://)
    user: str
    password: str
    path: str = ""


def endpoint(url: str, default_user: str, default_password: str, ports: tuple[int, int]) -> Endpoint:
    """``imap[s]://user:pass@host:port/MAILBOX`` or ``smtp[s]://...``; URL credentials win."""
    parts = urlsplit(url)
    tls = parts.scheme.endswith("s")
    user = unquote(parts.username) if parts.username else default_user
    password = unquote(parts.password) if parts.password else (default_password if not parts.username else "")
    return Endpoint(host=parts.hostname or "127.0.0.1", port=parts.port or ports[1 if tls else 0], tls=tls,
                    user=user, password=password, path=unquote(parts.path.lstrip("/")))
