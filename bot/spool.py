"""A sealed spool on local disk for messages that arrived while Redis was down.

The person was told "we kept your message": that promise must survive a crash of
the gateway too, so a kept message is written to disk (sealed with the data key
ring, one file per message, fsynced) before the answer goes out, and deleted only
after it has been processed. File names sort by arrival, so replay keeps the order.
"""
from __future__ import annotations

import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any

from bot.crypto import InvalidToken, Sealer

log = logging.getLogger(__name__)
SUFFIX = ".msg"


class Spool:
    """Append, list and remove sealed records in one directory (mode 0700, files 0600)."""

    def __init__(self, directory: Path, sealer: Sealer, max_items: int = 10_000) -> None:
        self.dir = directory
        self._sealer = sealer
        self.max_items = max_items
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)

    def put(self, record: dict[str, Any]) -> str | None:
        """Write one record durably; returns its name, or None when the spool is full."""
        if self.count() >= self.max_items:
            return None
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}{SUFFIX}"
        self._write(name, record)
        return name

    def replace(self, name: str, record: dict[str, Any]) -> None:
        """Overwrite one record durably (all or nothing: a crash leaves the old or the new)."""
        self._write(name, record)

    def _write(self, name: str, record: dict[str, Any]) -> None:
        tmp = self.dir / f".{name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, self._sealer.seal(record))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.dir / name)
        dir_fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename itself must survive a power cut
        finally:
            os.close(dir_fd)

    def names(self) -> list[str]:
        return sorted(p.name for p in self.dir.glob(f"*{SUFFIX}"))

    def count(self) -> int:
        return sum(1 for _ in self.dir.glob(f"*{SUFFIX}"))

    def get(self, name: str) -> dict[str, Any] | None:
        """Open one record; an unreadable one (wrong key, torn file) is set aside and logged."""
        path = self.dir / name
        try:
            return self._sealer.open(path.read_bytes())
        except FileNotFoundError:
            return None
        except (InvalidToken, ValueError):
            log.error("spooled message unreadable; set aside", extra={"component": "spool"})
            path.rename(path.with_suffix(".unreadable"))
            return None

    def remove(self, name: str) -> None:
        (self.dir / name).unlink(missing_ok=True)
