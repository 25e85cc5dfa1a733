"""The reporter's side of a report: confirming it, and coming back with the case code.

``ReportDesk`` is what the gateway calls:

- :meth:`submit` when the Rasa form hands over a confirmed report
  (``{"report": {...fields...}}``): stores it (sealed), links it to the
  conversation (sealed, apart), answers with the case code;
- :meth:`intercept` before Rasa, for every message: ``/ugy K7M-4QX-9TB`` or any text
  holding a valid code shows the status and the operator's messages; the
  "add information" button makes the next message an addition to the case;
- :meth:`take_form` for a report form filled in a mail (``bot.mail_report_form``): the
  same report as the chat form's, or an answer saying what is still missing (what was
  given is kept, sealed, until the rest arrives);
- :meth:`message_reporter` for the operator: the message is kept in the report and
  delivered at once if the conversation link still exists (pushed on Telegram,
  into the transcript the web chat polls), otherwise when the reporter next
  comes back with the code.

Nothing here logs text, codes or ids: only the pseudonymous conversation id.
"""
from __future__ import annotations

import logging
import re
import time
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis

import wording
from bot import keys, texts
from bot.crypto import Sealer
from bot.delivery import Delivery, Reply
from bot.reports import codes, pii
from bot.reports.store import CLOSED, Report, ReportError, ReportStore

if TYPE_CHECKING:
    from bot.store import Conversation

log = logging.getLogger(__name__)

ADD_PAYLOAD = "/ugy_kiegeszites"
ERASE_PAYLOAD = "/torles"
FOLLOWUP_TTL = 30 * 60
MAIL_FORM_TTL = 7 * 86400  # a half-filled mail form waits this long for the rest
MAIL_FORM_SHORT = 300  # a reply this short, with one field missing, is that field's answer
_FORM_CANCEL = frozenset({"mégsem", "megsem", "mégse", "megse", "cancel", "stop", "elvetem"})
_UNREAD = object()  # intercept(): the follow-up record was not read by the caller
CODE_FAIL_WINDOW = 3600
CODE_FAIL_MAX = 10
# Only as a command: "ugy" without accents is also "úgy" ("so"), common in plain text.
_UGY = re.compile(r"^/(?:ügy|ugy|case|kod|kód|code)(?:@\w+)?(?:\s+(.*))?$", re.IGNORECASE | re.DOTALL)
_ADD = re.compile(r"^/ugy_kiegeszites(?:@\w+)?$", re.IGNORECASE)
# The same wish typed after the case was shown ("Szeretném kiegészíteni: ...", "I'd like to add"):
# with the news in the message it is the addition itself, without it the "add" button's prompt.
_ADD_WISH = re.compile(r"\b(kiegeszit\w*|hozzatenn\w*|hozzateszem|hozza szeretnek tenni|hozzaadn\w*|"
                       r"elfelejtettem (irni|mondani|megirni)|i(?:'d| would) like to add|i want to add|"
                       r"(can|could|may) i add|add (something|more|this)|one more thing|"
                       r"i forgot to (say|mention|tell))\b")
ADD_WISH_WORDS = 6  # a wish longer than this carries the news: it is the addition
# Follow-up asked in words, not with the code: ask for the code (never start a new report).
_ASK_STATUS = re.compile(
    r"(hol tart|mi lett|mi tortent|allapot|hogy all|nez\w* meg|ellenoriz\w*)\W+(\w+\W+){0,4}"
    r"(a |az )?(bejelent|jelzes|ugy)|(status|progress) of (my|the) (report|case)|"
    r"(check|follow up)( on)? (my|the) (report|case)|where is my (report|case)|what happened (to|with) my report"
    # one's own report (a possessive: never "bejelentést tennék") with a word asking for news
    r"|\b(bejelentesem|bejelentesemmel|bejelentesemet|bejelentesemrol|bejelentesemnek|jelzesem|jelzesemmel|"
    r"jelzesemet|jelzesemrol|ugyem|ugyemmel|ugyemrol|my (report|case))\b"
    r".{0,60}\b(hol tart|mi van|mi lett|mi tortent|fejlemeny\w*|halad\w*|all\b|allapot\w*|hir\w*|"
    r"intez\w*|going|status|update\w*|news|progress|happen\w*|doing)"
    r"|\b(hol tart|mi van|mi lett|mi tortent|fejlemeny\w*|halad\w*|hogy all|allapot\w*|hir\w*|"
    r"how is|how's|hows|any news|any update\w*|update\w* on|news (on|about)|status of|progress (on|of)|"
    r"what happened|what's happening|whats happening|what is happening)\b"
    r".{0,60}\b(bejelentesem\w*|jelzesem\w*|ugyem\w*|my (report|case))\b"
    # a report one made, told in the past, then a question about what came of it
    r"|\b(tettem|tettunk|kuldtem|kuldtunk|jeleztem|jeleztunk|i made|we made|i sent|i filed|i submitted)\b"
    r".{0,60}\b(bejelent\w*|jelzes\w*|report)\b.{0,80}\b(mi tortent|mi lett|hol tart|hogy all|tudhatom meg|"
    r"mi van vele|utankovet\w*|visszajelzes\w*|fejlemeny\w*|"
    r"what happened|what has happened|what came of|how is it going|any news|status|follow.?up)"
)
# A code told in words that is not in our format ("a kódom H-58213", "a bejelentés kódja K-3307",
# "my case code is 12345"), in a message about a report: it cannot be ours (ours are
# bot.reports.codes), so the person hears that, and what to do, never a new report.
_CODE_MENTION = re.compile(
    r"\b(kod\w*|kodszam\w*|ugyszam\w*|azonosito\w*|code|reference|ref|case number)\W+(\w+\W+){0,3}?"
    r"([a-z]{0,4}[-/]?\d[a-z0-9/-]{1,14})\b"
)
_ABOUT_REPORT = re.compile(r"\b(bejelent\w*|jelez\w*|jelzes\w*|jelezt\w*|ugy|ugyem|ugyunk|ugyet|utankovet\w*|"
                           r"report\w*|case)\b")
# "a kódom H-58213", "my code is AB-1234": one's own code said alone is about a report too
# (a door's code, "a kapu kódja 1234", is not).
_MY_CODE = re.compile(r"\b(kodom|kodunk|ugyszamom|azonositom|my (case )?(code|reference|ref)( number)?)\b")
_LOST_CODE = re.compile(
    r"(elvesztettem|elfelejtettem|nem talalom|nincs meg|elveszett|elhagytam)\W+(\w+\W+){0,3}(a |az )?kod|"
    r"kod\w*\W+(\w+\W+){0,2}(elveszett|elfelejtettem|nincs meg|nem irtam fel|nem jegyeztem fel|nem mentettem)|"
    r"(nem irtam fel|nem jegyeztem fel|nem mentettem el)\W+(\w+\W+){0,2}(a |az )?kod|"
    r"(don'?t|do not) have (the|my) (case )?code|no longer have (the|my) (case )?code|"
    r"(lost|forgot|can'?t find|cannot find|don'?t have) (my|the) (case )?code"
)
_CANCEL = frozenset({"mégsem", "megsem", "cancel", "nem", "no", "stop", "mégse", "megse"})


def _fmt_date(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


class ReportDesk:
    def __init__(self, reports: ReportStore | None, redis: Redis, sealer: Sealer, *,
                 delivery: Delivery | None = None, guard: Any = None, mailer: Any = None) -> None:
        """``reports`` None: no report key ring is configured; reports are refused."""
        self.reports = reports
        self.redis = redis
        self._sealer = sealer  # the report key ring (follow-up state holds a report id)
        self.delivery = delivery  # operators' messages to the reporter's conversation
        self.guard: Any = guard  # bot.abuse.Guard: wrong codes per client address and overall
        self.mailer: Any = mailer  # bot.reports.mail.ReportMailer: written reports by e-mail

    async def made_here(self, pid: str) -> bool:
        """True when a report was made in this conversation (its link, ``keys.conv_reports``):
        a later "send it" is not a new report (bot.report_net)."""
        return bool(await self.redis.exists(keys.conv_reports(pid)))

    def _reply(self, text: str, buttons: tuple[tuple[str, str], ...] = ()) -> Reply:
        return Reply(text, buttons)

    @staticmethod
    def _talk(conv: Conversation) -> tuple[tuple[str, str], ...]:
        """The talk-to-a-person button: a colleague helps when the code is not at hand."""
        return (texts.talk_button(conv.voice),)

    # -- confirmed report from the form -------------------------------------------
    async def submit(self, conv: Conversation, fields: dict[str, Any]) -> list[Reply]:
        lang = conv.language  # the report's language; texts in the person's register (conv.voice)
        if self.reports is None:
            log.error("report refused: no REPORT_ENCRYPTION_KEYS", extra={"conv": conv.pid})
            return [self._reply(texts.text("report_unavailable", conv.voice),
                                (texts.talk_button(lang),))]
        report = await self.reports.create(fields, language=lang, pid=conv.pid)
        await self.reports.audit(report.rid, "reporter", "created")
        log.info("report created", extra={"conv": conv.pid, "outcome": "immediate" if report.immediate else "normal"})
        return [self._reply(texts.text("report_saved", conv.voice).format(code=report.code),
                            ((texts.text("erase_button", lang), ERASE_PAYLOAD),))]

    # -- the report form by e-mail ---------------------------------------------------------
    async def take_form(self, conv: Conversation, form: dict[str, str] | None, text: str, *,
                        followup: bytes | None | object = _UNREAD) -> tuple[list[Reply], bool] | None:
        """A report form filled in a mail (``form``: field -> the person's words), or the
        missing part of one sent earlier (``text``, unlabelled). Returns the replies and
        whether the form says the child is in danger right now; None when this message has
        nothing to do with a form (the bot answers it).

        The report is the chat form's: the same store, fields and case code; the form's
        "anything else" becomes the reporter's first addition. The sender's address never
        reaches here (the e-mail channel takes it out of what they wrote)."""
        from bot import mail_report_form as mailform

        if self.reports is None:
            return None if form is None else ([self._reply(texts.text("report_unavailable", conv.language))], False)
        state = await self._followup(conv.pid) if followup is _UNREAD else self._open_followup(followup)
        pending: dict[str, str] = dict(state.get("fields") or {}) if state and state.get("mode") == "mailform" else {}
        voice = conv.voice
        if form is None:
            if not pending:
                return None
            stripped = text.strip()
            if mailform.fold(stripped).strip(" .!") in {mailform.fold(w) for w in _FORM_CANCEL}:
                await self.redis.delete(keys.conv_followup(conv.pid))
                return [self._reply(wording.text("mail_form_cancelled", voice))], False
            _, missing = mailform.normalise(pending)
            if len(missing) != 1 or not stripped or len(stripped) > MAIL_FORM_SHORT or stripped.count("\n") > 2:
                return None
            if missing[0] == "danger_now" and mailform.danger_answer(stripped) is None:
                return None
            form = {missing[0]: stripped}
        merged = {**pending, **{k: v for k, v in form.items() if v and v.strip()}}
        fields, missing = mailform.normalise(merged)
        danger = fields.get("danger_now") == "yes"
        if missing and not (danger and "what" not in missing):
            # Kept (sealed, apart from the transcript) until the rest arrives; /torles erases it.
            sealed = self._sealer.seal({"mode": "mailform", "fields": merged})
            await self.redis.set(keys.conv_followup(conv.pid), sealed, ex=MAIL_FORM_TTL)
            log.info("report form by mail: fields missing", extra={"conv": conv.pid, "count": len(missing)})
            return [self._reply(mailform.missing_text(missing, voice))], danger
        other = fields.pop("other", "")
        report = await self.reports.create(fields, language=conv.language, pid=conv.pid)
        if other:
            await self.reports.add_addition(report.rid, other)
        await self.reports.audit(report.rid, "reporter", "created")
        if state:
            await self.redis.delete(keys.conv_followup(conv.pid))
        log.info("report created", extra={"conv": conv.pid, "outcome": "immediate" if report.immediate else "normal"})
        replies = [self._reply(wording.text("mail_form_saved", voice, code=report.code),
                               ((texts.text("erase_button", conv.language), ERASE_PAYLOAD),))]
        kinds = pii.kinds_in([*fields.values(), other])
        if kinds:
            replies.insert(0, self._reply(mailform.pii_text(kinds, voice)))
        return replies, danger

    # -- follow-up ---------------------------------------------------------------------
    async def intercept(self, conv: Conversation, text: str, *,
                        followup: bytes | None | object = _UNREAD) -> list[Reply] | None:
        """Replies if this message is about a report; None to let the bot answer it.

        ``followup``: the conversation's follow-up record if the caller already read it
        (the gateway reads it with the conversation, in one round trip)."""
        if self.reports is None or not text:
            return None
        state = await self._followup(conv.pid) if followup is _UNREAD else self._open_followup(followup)
        stripped = text.strip()
        if state and state.get("mode") == "add":
            await self.redis.delete(keys.conv_followup(conv.pid))
            if stripped.lower().strip(".!") in _CANCEL:
                return [self._reply(texts.text("report_add_cancelled", conv.voice))]
            try:
                await self.reports.add_addition(state["rid"], stripped)
            except KeyError:
                return [self._reply(texts.text("report_code_unknown", conv.voice))]
            except ReportError:
                return [self._reply(texts.text("report_closed_no_add", conv.voice))]
            await self.reports.audit(state["rid"], "reporter", "added information")
            log.info("report addition", extra={"conv": conv.pid})
            return [self._reply(texts.text("report_added", conv.voice))]
        if _ADD.match(stripped):
            if not state or "rid" not in state:
                return [self._reply(texts.text("report_code_ask", conv.voice))]
            report = await self.reports.get(state["rid"])
            if report is None:
                return [self._reply(texts.text("report_code_unknown", conv.voice))]
            if report.status == CLOSED:
                return [self._reply(texts.text("report_closed_no_add", conv.voice))]
            await self._set_followup(conv.pid, state["rid"], "add")
            return [self._reply(texts.text("report_add_prompt", conv.voice))]

        folded = codes.fold_words(stripped)
        if state and state.get("mode") == "shown" and "rid" in state and _ADD_WISH.search(folded):
            if len(stripped.split()) > ADD_WISH_WORDS:
                return await self.intercept(conv, text, followup=self._sealer.seal({**state, "mode": "add"}))
            return await self.intercept(conv, ADD_PAYLOAD, followup=self._sealer.seal(state))
        if _LOST_CODE.search(folded):
            return [self._reply(texts.text("report_code_lost", conv.voice))]
        if not codes.find_code(stripped) and not codes.looks_like_code(stripped):
            if _CODE_MENTION.search(folded) and (_ABOUT_REPORT.search(folded) or _MY_CODE.search(folded)):
                # Not one of ours: say so kindly, where reports go and what to do.
                log.info("report follow-up: a code not in our format", extra={"conv": conv.pid})
                return [self._reply(texts.text("report_code_format", conv.voice), self._talk(conv))]
            if _ASK_STATUS.search(folded):
                # Follow-up in words: where reports go, then the code (never a new report).
                return [self._reply(texts.text("report_followup_ask", conv.voice), self._talk(conv))]

        command = _UGY.match(stripped)
        code = codes.normalise(command.group(1) or "") if command else None
        code = code or codes.find_code(stripped)
        if code is None:
            if command is not None and not (command.group(1) or "").strip():
                return [self._reply(texts.text("report_code_ask", conv.voice))]
            if command is None and not codes.looks_like_code(stripped):
                return None
            if await self._count_failure(conv.pid):
                return [self._reply(texts.text("report_code_blocked", conv.voice))]
            return [self._reply(texts.text("report_code_typo", conv.voice))]
        if await self._blocked(conv.pid):
            return [self._reply(texts.text("report_code_blocked", conv.voice))]
        report = await self.reports.by_code(code)
        if report is None:
            await self._count_failure(conv.pid)
            return [self._reply(texts.text("report_code_unknown", conv.voice))]
        await self.reports.audit(report.rid, "reporter", "viewed status")
        log.info("report follow-up", extra={"conv": conv.pid, "status": report.status})
        return await self._status_replies(conv, report)

    async def _status_replies(self, conv: Conversation, report: Report) -> list[Reply]:
        lang = conv.language
        status = texts.text(f"report_status_{report.status}", lang)
        lines = [texts.text("report_status", lang).format(code=report.code, status=status)]
        for m in report.messages[-5:]:
            lines.append(texts.text("report_operator_message", lang).format(date=_fmt_date(m["ts"]), text=m["text"]))
        if self.reports is not None and report.messages and not all(m.get("delivered") for m in report.messages):
            await self.reports.mark_delivered(report.rid)
        buttons: tuple[tuple[str, str], ...] = ()
        if report.status != CLOSED:
            await self._set_followup(conv.pid, report.rid, "shown")
            buttons = ((texts.text("report_add_button", lang), ADD_PAYLOAD),)
        buttons += ((texts.text("erase_button", lang), ERASE_PAYLOAD),)
        return [self._reply("\n\n".join(lines), buttons)]

    async def _followup(self, pid: str) -> dict[str, Any] | None:
        return self._open_followup(await self.redis.get(keys.conv_followup(pid)))

    def _open_followup(self, raw: Any) -> dict[str, Any] | None:
        return self._sealer.open(raw) if isinstance(raw, bytes) and raw else None

    async def _set_followup(self, pid: str, rid: str, mode: str) -> None:
        await self.redis.set(keys.conv_followup(pid), self._sealer.seal({"rid": rid, "mode": mode}), ex=FOLLOWUP_TTL)

    async def _blocked(self, pid: str) -> bool:
        """No more tries: this conversation, its client (web: the address; Telegram has
        only the conversation) or everyone together typed too many wrong codes."""
        value = await self.redis.get(keys.conv_code_failures(pid))
        if value and int(value) >= CODE_FAIL_MAX:
            return True
        if self.guard is None:
            return False
        from bot import abuse

        return await self.guard.over_either(self.guard.code_address, self.guard.code_global, abuse.CLIENT.get())

    async def _count_failure(self, pid: str) -> bool:
        """Count a wrong code; True when this conversation is now blocked from trying.

        New sessions do not reset the count: it is kept per client address and overall too."""
        key = keys.conv_code_failures(pid)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=CODE_FAIL_WINDOW, nx=True)  # the window starts at the first failure
            pipe.incr(key)
            _, count = await pipe.execute()
        wider = False
        if self.guard is not None:
            from bot import abuse

            wider = await self.guard.hit_both(self.guard.code_address, self.guard.code_global, abuse.CLIENT.get())
        return int(count) > CODE_FAIL_MAX or wider

    # -- operator -> reporter --------------------------------------------------------
    async def message_reporter(self, rid: str, text: str, operator: str) -> bool:
        """Keep the message in the report; deliver it now if the link still exists.

        Returns True if it was delivered to the conversation now.
        """
        assert self.reports is not None
        report = await self.reports.add_message(rid, text, operator)
        await self.reports.audit(rid, operator, "message to reporter")
        pid = await self.reports.linked_pid(rid)
        if pid is None or self.delivery is None:
            return False
        conv = await self.delivery.store.load(pid)
        if not conv.created:
            return False  # the conversation expired or was erased
        body = texts.text("report_pushed_message", report.language).format(text=text.strip())
        await self.delivery.send_to_person(
            pid, "operator", body, ((texts.text("erase_button", report.language), ERASE_PAYLOAD),),
            meta={"kind": "report_message"},
        )
        await self.reports.mark_delivered(rid, len(report.messages) - 1)
        return True
