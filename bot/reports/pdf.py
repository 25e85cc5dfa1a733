"""The written report for the competent authority, as a PDF (fpdf2, DejaVu Sans).

Built from the report's fields alone (plus what the operator added from the phone
and what the reporter added later): no code, no conversation id, no channel, no
operator or reporter names. The reporter's own phone numbers, e-mail addresses and
self-naming in any free text are masked (``bot.reports.pii``), so the line saying the
document holds no reporter data is true. The reference printed on it is ``Report.ref``, a
prefix of the report id, from which the case code cannot be recovered.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from fpdf import FPDF

import wording
from bot.reports import pii
from bot.reports.store import UNKNOWN, Report

FONT_CANDIDATES = (
    os.environ.get("REPORT_PDF_FONT", ""),
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  # Debian: fonts-dejavu-core
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)

REPORT_LANGUAGE = "hu"  # the document goes to Hungarian authorities
# The report's fields in the document's order; their labels are wording/reports.yml's pdf_label_*.
FIELDS = ("what", "child_age", "settlement", "address", "danger_now", "relation", "since", "others_know")
_ANSWERS = {"yes": "pdf_yes", "no": "pdf_no", UNKNOWN: "pdf_unknown"}


def say(key: str, **values: str) -> str:
    """A text of the document (``wording/reports.yml``) in the report's language."""
    return wording.text(key, REPORT_LANGUAGE, **values)


class FontMissing(RuntimeError):
    pass


def font_path() -> Path:
    for candidate in FONT_CANDIDATES:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing("no DejaVuSans.ttf: install fonts-dejavu-core or set REPORT_PDF_FONT")


def _value(name: str, report: Report) -> str:
    value = report.fields.get(name)
    if value is None:
        return say("pdf_not_given")
    if name == "danger_now" or value == UNKNOWN:
        return say(_ANSWERS[value]) if value in _ANSWERS else value
    return pii.mask(value)


def _date(ts: float) -> str:
    return time.strftime(say("pdf_date_format"), time.localtime(ts))


# The document as blocks (style, text): one source for the PDF and the report mail's
# body (bot.reports.mail), so both say exactly the same and both are masked.
Block = tuple[str, str]


def blocks(report: Report) -> list[Block]:
    """The written report's content, built from the report's fields alone (masked)."""
    out: list[Block] = [("title", say("pdf_title")),
                        ("para", say("pdf_reference", ref=report.ref, received=_date(report.created),
                                     dated=_date(time.time())))]
    if report.authority:
        lines = [report.authority.get("name", "")]
        for key in ("address", "email"):
            if report.authority.get(key):
                lines.append(report.authority[key])
        out.append(("recipient", say("pdf_recipient", lines="\n".join(lines))))
    out.append(("para", say("pdf_intro")))
    if report.immediate:
        out.append(("alert", say("pdf_immediate")))
    out.append(("heading", say("pdf_details")))
    for name in FIELDS:
        out.append(("label", say(f"pdf_label_{name}") + ":"))
        out.append(("value", _value(name, report)))
    if report.additions:
        out.append(("heading", say("pdf_additions")))
        out += [("para", f"{_date(a['ts'])}: {pii.mask(a['text'])}") for a in report.additions]
    if report.notes:
        out.append(("heading", say("pdf_notes")))
        out += [("para", f"{_date(n['ts'])}: {pii.mask(n['text'])}") for n in report.notes]
    out.append(("signature", say("pdf_sender")))
    return out


def text(report: Report) -> str:
    """The same document as plain text (the report mail's body)."""
    parts: list[str] = []
    for style, value in blocks(report):
        if style == "title":
            parts.append(f"{value}\n{'=' * len(value)}\n")
        elif style == "heading":
            parts.append(f"\n{value}\n{'-' * len(value)}\n")
        elif style == "label":
            parts.append(value)
        else:
            parts.append(value + "\n")
    return "\n".join(parts).rstrip() + "\n"


# PDF: (font size, line height, space after) per style
_STYLE = {"title": (15, 7, 1), "heading": (12, 7, 1), "para": (10, 5.5, 1.5), "recipient": (11, 5.5, 1.5),
          "alert": (11, 5.5, 1.5), "label": (9, 5, 0), "value": (11, 5.5, 1.5), "signature": (10, 5.5, 1.5)}


def render(report: Report) -> bytes:
    """The PDF bytes of the written report."""
    font = font_path()
    pdf = FPDF(format="A4")
    pdf.set_title(say("pdf_doc_title"))
    pdf.set_author(say("pdf_sender"))
    pdf.set_creator(say("pdf_sender"))
    pdf.add_font("DejaVu", "", str(font))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for style, value in blocks(report):
        size, height, after = _STYLE[style]
        pdf.set_font("DejaVu", size=size)
        pdf.multi_cell(width, height, value, new_x="LMARGIN", new_y="NEXT")
        if after:
            pdf.ln(after)
    return bytes(pdf.output())
