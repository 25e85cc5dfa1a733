"""The Telegram channel against the local fake Bot API (no internet, no Rasa needed:
Rasa's URL points at a closed port, so the bot path answers with the fallback)."""
from __future__ import annotations

import asyncio

from bot import texts
from tests.conftest import free_port, redis_bytes
from tests.fake_telegram import FakeBotAPI


def tg_env(api: FakeBotAPI, **extra: str) -> dict[str, str]:
    dead = f"http://127.0.0.1:{free_port()}"
    return {"TELEGRAM_BOT_TOKEN": "123456:TEST", "TELEGRAM_API_BASE_URL": api.url,
            "RASA_URL": dead, "ACTION_SERVER_URL": dead, **extra}


async def test_sticker_gets_a_kind_text_only_answer(gateway_factory, fake_telegram: FakeBotAPI) -> None:
    await gateway_factory(**tg_env(fake_telegram))
    fake_telegram.user_message(700001, None, sticker={
        "file_id": "x", "file_unique_id": "y", "type": "regular", "width": 1, "height": 1,
        "is_animated": False, "is_video": False})
    sent = await fake_telegram.wait_for(700001, 1)
    assert sent[0] == texts.text("non_text", "hu")


async def test_immediate_danger_gets_112_first(gateway_factory, fake_telegram: FakeBotAPI) -> None:
    await gateway_factory(**tg_env(fake_telegram))
    fake_telegram.user_message(700002, "meg akarom ölni magam ma éjjel, megvannak a gyógyszerek")
    sent = await fake_telegram.wait_for(700002, 1)
    assert "112" in sent[0] and "116 111" in sent[0]


async def test_an_adults_first_message_gets_the_112_block_in_the_formal_register(
        gateway_factory, fake_telegram: FakeBotAPI) -> None:
    """The 112 block goes out before the conversation is read: its register comes from the
    message itself ("Jó napot, ..." got "hívd" while every later answer said "Ön")."""
    await gateway_factory(**tg_env(fake_telegram))
    fake_telegram.user_message(700007, "Jó napot, a szomszédban most veri az apa a gyereket, azt mondja megöli")
    sent = await fake_telegram.wait_for(700007, 1)
    assert "112" in sent[0] and "hívja azonnal" in sent[0] and "hívd" not in sent[0]


async def test_rasa_down_answer_offers_a_person_button(gateway_factory, fake_telegram: FakeBotAPI) -> None:
    await gateway_factory(**tg_env(fake_telegram))
    fake_telegram.user_message(700003, "szia")
    await fake_telegram.wait_for(700003, 1)
    msg = [m for m in fake_telegram.sent if int(m["chat_id"]) == 700003][0]
    assert "112" in msg["text"]
    assert "talk_to_human" in str(msg.get("reply_markup"))


async def test_flood_control_429_is_retried_not_lost(gateway_factory, fake_telegram: FakeBotAPI) -> None:
    await gateway_factory(**tg_env(fake_telegram))
    fake_telegram.fail_next = [(429, {"parameters": {"retry_after": 1}}), (502, {})]
    fake_telegram.user_message(700004, "szia")
    sent = await fake_telegram.wait_for(700004, 1, timeout=20)
    assert len(sent) == 1  # delivered once, after the 429 and the 502
    assert fake_telegram.fail_next == []


async def test_a_reply_refused_for_its_buttons_is_sent_without_them(gateway_factory, fake_telegram: FakeBotAPI) -> None:
    """A 400 (a button Telegram will not take) dropped the whole reply: the words still go."""
    await gateway_factory(**tg_env(fake_telegram))
    fake_telegram.fail_chat[700006] = [(400, {"description": "Bad Request: BUTTON_DATA_INVALID"})]
    fake_telegram.user_message(700006, "szia")  # Rasa down: the answer carries a "person" button
    sent = await fake_telegram.wait_for(700006, 1, timeout=10)
    assert "112" in sent[0]
    msg = [m for m in fake_telegram.sent if int(m["chat_id"]) == 700006][0]
    assert not msg.get("reply_markup")


async def test_webhook_without_secret_is_refused(gateway_factory, fake_telegram: FakeBotAPI, http) -> None:
    gw = await gateway_factory(**tg_env(fake_telegram, TELEGRAM_WEBHOOK_URL="https://example.invalid/telegram/webhook",
                                         TELEGRAM_WEBHOOK_SECRET="s3cret-s3cret-s3cret"))
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 700005, "type": "private"},
                                          "text": "szia"}}
    async with http.post(f"{gw.url}/telegram/webhook", json=update) as resp:
        assert resp.status == 403
    async with http.post(f"{gw.url}/telegram/webhook", json=update,
                         headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as resp:
        assert resp.status == 403
    assert fake_telegram.webhook and fake_telegram.webhook.get("secret_token") == "s3cret-s3cret-s3cret"
    async with http.post(f"{gw.url}/telegram/webhook", json=update,
                         headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-s3cret-s3cret"}) as resp:
        assert resp.status == 200
    sent = await fake_telegram.wait_for(700005, 1)
    assert "112" in sent[0]


async def test_raw_chat_id_never_reaches_redis(gateway_factory, fake_telegram: FakeBotAPI, redis) -> None:
    await gateway_factory(**tg_env(fake_telegram))
    fake_telegram.user_message(987650001, "apam megvert tegnap")
    await fake_telegram.wait_for(987650001, 1)
    await asyncio.sleep(0.2)
    blob = await redis_bytes(redis)
    assert b"987650001" not in blob
    assert b"megvert" not in blob


async def test_one_chat_keeps_its_order_while_chats_run_concurrently(gateway_factory, fake_telegram: FakeBotAPI,
                                                                       redis) -> None:
    gw = await gateway_factory(**tg_env(fake_telegram))
    for i in range(5):
        fake_telegram.user_message(700100, f"uzenet {i}")
        fake_telegram.user_message(700200 + i, "szia")
    await fake_telegram.wait_for(700100, 5)
    for i in range(5):
        await fake_telegram.wait_for(700200 + i, 1)
    from bot.appkeys import GATEWAY
    gateway = gw.app[GATEWAY]
    entries = await gateway.store.read(gateway.pid("telegram", 700100), staff=True)
    person = [e.text for e in entries if e.sender == "person"]
    assert person == [f"uzenet {i}" for i in range(5)]


PHOTO = [{"file_id": "p", "file_unique_id": "pu", "width": 90, "height": 90}]


async def test_a_photo_with_an_immediate_danger_caption_gets_112_first(gateway_factory, fake_telegram: FakeBotAPI,
                                                                       redis) -> None:
    """A caption was never read: "he is hitting me now" under a photo got only "I cannot see
    pictures", no 112 and no queue. The words are the message now; the picture is named."""
    gw = await gateway_factory(**tg_env(fake_telegram))
    fake_telegram.user_message(700011, None, photo=PHOTO,
                               caption="meg akarom ölni magam ma éjjel, megvannak a gyógyszerek")
    sent = await fake_telegram.wait_for(700011, 3)
    assert "112" in sent[0] and sent[0] == texts.text("emergency", "hu")
    assert texts.text("non_text", "hu") not in sent
    await asyncio.sleep(0.5)
    sent = fake_telegram.texts_to(700011)
    assert sent[-1] == texts.text("attachment_unseen", "hu")  # the picture itself was not opened
    from bot.appkeys import GATEWAY

    pid = gw.app[GATEWAY].pid("telegram", 700011)
    ticket = {k.decode(): v.decode() for k, v in (await redis.hgetall(f"chv:conv:{pid}:ho")).items()}
    assert ticket, "the chat is queued for an operator"


async def test_a_photo_with_words_is_answered_like_the_words(gateway_factory, fake_telegram: FakeBotAPI) -> None:
    await gateway_factory(**tg_env(fake_telegram))
    fake_telegram.user_message(700012, None, photo=PHOTO, caption="szia")
    sent = await fake_telegram.wait_for(700012, 2)
    assert sent[0] == texts.text("bot_unavailable", "hu")  # what "szia" gets with Rasa down
    assert sent[1] == texts.text("attachment_unseen", "hu")
    fake_telegram.user_message(700012, None, photo=PHOTO, caption="   ")  # blank: as a photo alone
    sent = await fake_telegram.wait_for(700012, 3)
    assert sent[2] == texts.text("non_text", "hu")
