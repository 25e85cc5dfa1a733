"""Messages Redis could not take: kept on disk (sealed) or, if the disk fails, in memory.

The gateway keeps a message here when Redis is down and tells the person so;
``bot.spool_replay`` answers the kept messages once Redis is back. Apart from both so the
gateway needs nothing of the replay (which needs the gateway).
"""
from __future__ import annotations

import dataclasses
import logging
from collections import deque

from bot.inbound import Inbound
from bot.spool import Spool

log = logging.getLogger(__name__)


class KeptMessages:
    """The disk spool (survives a crash of this process) and the in-memory fallback."""

    def __init__(self, spool: Spool | None, memory: int = 10_000) -> None:
        self.spool = spool
        self.pending: deque[Inbound] = deque(maxlen=memory)

    def keep(self, msg: Inbound, pid: str) -> bool:
        """Keep ``msg`` for replay; False when it could not be kept anywhere."""
        if self.spool is not None:
            try:
                if self.spool.put(dataclasses.asdict(msg)) is not None:
                    return True
            except OSError as disk:
                log.error("spool write failed", extra={"conv": pid, "error": type(disk).__name__})
        if len(self.pending) < (self.pending.maxlen or 0):
            self.pending.append(msg)
            return True
        return False

    def waiting(self) -> bool:
        """Anything kept that is not answered yet."""
        return bool(self.pending) or (self.spool is not None and bool(self.spool.names()))
