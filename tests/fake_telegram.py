"""A local fake of the Telegram Bot API, enough for python-telegram-bot 22.

The real API cannot be reached from here; python-telegram-bot's ``base_url``
points at this server instead. It records what the bot sent, hands out the
updates a test queues, and can answer 429 or 5xx to a number of calls.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

from aiohttp import web


class FakeBotAPI:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.deleted: list[int] = []
        self.calls: list[str] = []
        self.webhook: dict[str, Any] | None = None
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._new_update = asyncio.Event()
        self.fail_next: list[tuple[int, dict[str, Any]]] = []  # (status, extra) for sendMessage
        self.fail_chat: dict[int, list[tuple[int, dict[str, Any]]]] = {}  # the same, for one chat only
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- test side -------------------------------------------------------------
    def user_message(self, chat_id: int, text: str | None = None, **extra: Any) -> int:
        message_id = next(self._message_ids)
        msg: dict[str, Any] = {
            "message_id": message_id, "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Teszt"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Teszt"},
        }
        if text is not None:
            msg["text"] = text
        msg.update(extra)
        self._push({"message": msg})
        return message_id

    def edit_message(self, chat_id: int, message_id: int, text: str) -> None:
        """The person edits a message they sent (Telegram's ``edited_message`` update)."""
        self._push({"edited_message": {
            "message_id": message_id, "date": int(time.time()) - 5, "edit_date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Teszt"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Teszt"}, "text": text}})

    def button_press(self, chat_id: int, data: str) -> None:
        self._push({"callback_query": {
            "id": str(next(self._message_ids)), "chat_instance": "1", "data": data,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Teszt"},
            "message": {"message_id": next(self._message_ids), "date": int(time.time()),
                        "chat": {"id": chat_id, "type": "private"}, "text": "x"},
        }})

    def update(self, chat_id: int, text: str) -> dict[str, Any]:
        """A new text update as JSON, not queued (for posting to a webhook)."""
        return {"update_id": next(self._update_ids), "message": {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Teszt"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Teszt"}, "text": text}}

    def _push(self, update: dict[str, Any]) -> None:
        update["update_id"] = next(self._update_ids)
        self._updates.append(update)
        self._new_update.set()

    def texts_to(self, chat_id: int) -> list[str]:
        return [m["text"] for m in self.sent if int(m["chat_id"]) == chat_id]

    async def wait_for(self, chat_id: int, count: int, timeout: float = 30.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            texts = self.texts_to(chat_id)
            if len(texts) >= count:
                return texts
            await asyncio.sleep(0.02)
        raise AssertionError(f"expected {count} messages to {chat_id}, got {self.texts_to(chat_id)}")

    # -- server side -----------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return await request.json()
        data = dict(await request.post())
        out: dict[str, Any] = {}
        for k, v in data.items():
            try:
                out[k] = json.loads(v) if isinstance(v, str) and v[:1] in "[{" else v
            except ValueError:
                out[k] = v
        return out

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls.append(method)
        params = await self._params(request)
        if method == "getMe":
            return self._ok({"id": 4242, "is_bot": True, "first_name": "Segito", "username": "segito_test_bot",
                             "can_join_groups": False, "can_read_all_group_messages": False,
                             "supports_inline_queries": False})
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            timeout = min(float(params.get("timeout") or 0), 1.0)
            pending = [u for u in self._updates if u["update_id"] >= offset]
            if not pending and timeout:
                self._new_update.clear()
                try:
                    await asyncio.wait_for(self._new_update.wait(), timeout)
                except TimeoutError:
                    pass
                pending = [u for u in self._updates if u["update_id"] >= offset]
            return self._ok(pending)
        if method in ("deleteWebhook", "answerCallbackQuery", "setMyCommands"):
            return self._ok(True)
        if method == "setWebhook":
            self.webhook = params
            return self._ok(True)
        if method == "sendMessage":
            per_chat = self.fail_chat.get(int(params.get("chat_id", 0)))
            if per_chat or self.fail_next:
                status, extra = (per_chat or self.fail_next).pop(0)
                body = {"ok": False, "error_code": status, "description": "fake failure", **extra}
                return web.json_response(body, status=status)
            self.sent.append(params)
            return self._ok({"message_id": next(self._message_ids), "date": int(time.time()),
                             "chat": {"id": int(params["chat_id"]), "type": "private"},
                             "text": params.get("text", "")})
        if method == "deleteMessages":
            self.deleted.extend(int(i) for i in params.get("message_ids", []))
            return self._ok(True)
        if method == "deleteMessage":
            self.deleted.append(int(params["message_id"]))
            return self._ok(True)
        return web.json_response({"ok": False, "error_code": 404, "description": f"no {method}"}, status=404)

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    async def start(self, port: int) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}/bot"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
