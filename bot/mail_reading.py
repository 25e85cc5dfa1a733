"""Reading one incoming mail: who sent it, whether it must go unanswered, and the
person's new words without the quoted history, the signature or the HTML.

Apart from the channel because it is pure (bytes in, a ``Mail`` out, never raises on bad
input): it is tested on saved mails without a mailbox, and the rules that keep us out of
mail loops (auto-replies, lists, bounces) are read in one place.
"""
from __future__ import annotations

import html.parser
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr
from typing import ClassVar

_BULK = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
_NOREPLY = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+@-]|$)", re.IGNORECASE)
REPLY_PREFIX = re.compile(r"^\s*((re|vá|váa|válasz|aw|sv|fwd?|tov|továbbítás)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(original message|eredeti üzenet|forwarded message|továbbított üzenet)",
                       re.IGNORECASE)
_HEADER_FROM = re.compile(r"^\s*(from|feladó|küldő)\s*:", re.IGNORECASE)
_HEADER_SENT = re.compile(r"^\s*(sent|date|elküldve|dátum|küldve)\s*:", re.IGNORECASE)


@dataclass
class Mail:
    """What the channel takes from one mail; ``skip`` names why it gets no answer."""

    sender: str = ""
    message_id: str = ""
    references: str = ""
    subject: str = ""
    text: str = ""
    full: str = ""  # the whole body, quotes included: a form may be answered under its quoted labels
    attachments: int = 0
    skip: str = ""


def _is_attribution(lines: list[str], i: int) -> bool:
    """A reply's "On ... wrote:" / "... írta:" line (not a sentence of the person's own)."""
    line = lines[i].strip()
    if not line.endswith(":"):
        return False
    low = line.lower()
    if not (low.endswith("wrote:") or "írta" in low or "irta" in low):
        return False
    nxt = next((ln.strip() for ln in lines[i + 1:] if ln.strip()), "")
    return "@" in line or bool(re.search(r"\d", line)) or nxt.startswith(">") or low.startswith("on ")


def strip_reply(body: str) -> str:
    """The person's new text only: no quoted history, no signature."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for i, line in enumerate(lines):
        if line.rstrip() == "--":  # "-- " signature separator (trailing blank often lost)
            cut = i
            break
        if _ORIGINAL.match(line):
            cut = i
            break
        if _HEADER_FROM.match(line) and any(_HEADER_SENT.match(ln) for ln in lines[i + 1:i + 5]):
            cut = i
            break
        if _is_attribution(lines, i):
            # Gmail wraps a long "On <date> <name> <\naddress> wrote:" over two lines.
            cut = i - 1 if i > 0 and lines[i - 1].strip().lower().startswith("on ") and \
                not line.strip().lower().startswith("on ") else i
            break
    kept = [ln.rstrip() for ln in lines[:cut] if not ln.lstrip().startswith(">")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


class _HtmlText(html.parser.HTMLParser):
    """HTML mail read as text: blocks become lines; scripts, styles and quotes are dropped."""

    BLOCK: ClassVar[set[str]] = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
                                 "pre"}
    SKIP: ClassVar[set[str]] = {"script", "style", "head", "title", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = dict(attrs).get("class") or ""
        if tag in self.SKIP or (self.skipping and tag == "div") or "gmail_quote" in cls or "moz-cite" in cls:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and (tag in self.SKIP or tag == "div"):
            self.skipping -= 1
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(data)


def html_to_text(markup: str) -> str:
    parser = _HtmlText()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # noqa: BLE001, S110 - malformed markup: what was read so far
        pass
    lines = [re.sub(r"[ \t\xa0]+", " ", ln).strip() for ln in "".join(parser.out).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _content(part: EmailMessage) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError, ValueError, AssertionError):  # unknown charset, broken encoding
        raw = part.get_payload(decode=True) or b""
        return raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)


def auto_reason(msg: EmailMessage, sender: str, own: str) -> str:
    """Why this mail must get no answer (a loop or nobody to answer), or ""."""
    if not sender or "@" not in sender:
        return "no_sender"
    if own and sender == own:
        return "own_address"
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto and not auto.startswith("no"):
        return "auto_submitted"
    if str(msg.get("Precedence", "")).strip().lower() in _BULK:
        return "bulk"
    if any(msg.get(h) is not None for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress",
                                            "List-Id", "List-Unsubscribe", "Feedback-ID")):
        # X-Auto-Response-Suppress: Outlook puts it on its own automatic mails
        return "auto_or_list"
    if _NOREPLY.match(sender.split("@", 1)[0] + "@") or msg.get_content_type() == "multipart/report":
        return "bounce"
    if str(msg.get("Return-Path", "")).strip() == "<>":
        return "bounce"
    return ""


def parse_mail(raw: bytes, own_address: str, max_chars: int, *, headers_only: bool = False) -> Mail:
    """Read one mail (RFC 5322 bytes) as the channel needs it. Never raises on bad input."""
    msg: EmailMessage = message_from_bytes(raw, policy=policy.default)
    mail = Mail()
    try:
        sender = parseaddr(str(msg.get("From", "")))[1]
    except Exception:  # noqa: BLE001 - a malformed From: nobody to answer
        sender = ""
    mail.sender = sender.strip().lower()
    mail.message_id = str(msg.get("Message-ID", "")).strip()
    mail.references = " ".join(str(msg.get("References", "")).split())
    mail.subject = " ".join(str(msg.get("Subject", "")).split())[:200]
    mail.skip = auto_reason(msg, mail.sender, own_address.strip().lower())
    if mail.skip:
        return mail
    if headers_only:  # too big to read: certainly not a text we can take
        mail.attachments = 1
        return mail
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is not None:
        content = _content(body)  # type: ignore[arg-type]
        if body.get_content_subtype() == "html":
            content = html_to_text(content)
        mail.full = content[:max_chars * 2]
        mail.text = strip_reply(content)
    for part in msg.walk():
        if part.is_multipart() or part is body:
            continue
        if part.get_content_maintype() != "text" or part.get_content_disposition() == "attachment":
            mail.attachments += 1
    if not mail.text and mail.subject and not REPLY_PREFIX.match(mail.subject):
        mail.text = mail.subject  # a mail with its words in the subject only
    mail.text = mail.text[:max_chars]
    return mail
