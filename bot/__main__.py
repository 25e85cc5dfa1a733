"""``python -m bot``: run the gateway on HOST:PORT."""
from __future__ import annotations

import logging
import sys

from bot import logs, serve
from bot.app import init_app
from bot.config import ConfigError, Settings


def main() -> int:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    logs.setup(settings.log_level)
    logging.getLogger(__name__).info("gateway starting", extra={"port": settings.port})
    serve.run(init_app(settings), settings.host, settings.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
