"""Typed keys for what the aiohttp application holds."""
from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.gateway import Gateway
    from bot.warmup import RasaWarmer

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
REDIS: web.AppKey[Redis] = web.AppKey("redis")
HTTP: web.AppKey[aiohttp.ClientSession] = web.AppKey("http")
GATEWAY: web.AppKey[Gateway] = web.AppKey("gateway")

if TYPE_CHECKING:
    from bot.console.hub import Hub
    from bot.console.views import ConsoleViews
    from bot.handoff.service import HandoffService

HANDOFF: web.AppKey[HandoffService] = web.AppKey("handoff")
HUB: web.AppKey[Hub] = web.AppKey("handoff_hub")
VIEWS: web.AppKey[ConsoleViews] = web.AppKey("console_views")
WARMER: web.AppKey[RasaWarmer] = web.AppKey("warmer")

if TYPE_CHECKING:
    from bot.telegram_channel import TelegramChannel

TELEGRAM: web.AppKey[TelegramChannel] = web.AppKey("telegram")

if TYPE_CHECKING:
    from bot.email_channel import EmailChannel

EMAIL: web.AppKey[EmailChannel] = web.AppKey("email")

if TYPE_CHECKING:
    from bot.mail_outbox import MailOutbox

MAIL_OUTBOX: web.AppKey[MailOutbox] = web.AppKey("mail_outbox")
