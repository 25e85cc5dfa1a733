"""``TRUSTED_PROXY`` parsed, with nothing else of the project imported.

The settings validate it at start-up and :mod:`bot.abuse` uses it per request; it
lives apart so that neither has to import the other for it.
"""
from __future__ import annotations

import ipaddress

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted(raw: str) -> tuple[Network, ...]:
    """``TRUSTED_PROXY``: empty (no proxy), ``1`` (the peer is the proxy: loopback and
    private networks), or comma-separated CIDRs of the proxies."""
    raw = raw.strip()
    if not raw or raw.lower() in ("0", "false", "no"):
        return ()
    if raw.lower() in ("1", "true", "yes"):
        raw = "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip())
