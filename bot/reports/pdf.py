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

from bot.reports import pii
from bot.reports.store import UNKNOWN, Report

FONT_CANDIDATES = (
    os.environ.get("REPORT_PDF_FONT", ""),
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  # Debian: fonts-dejavu-core
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)

LABELS = {
    "what": "Mi történt",
    "child_age": "A gyermek (hozzávetőleges) életkora",
    "settlement": "Település",
    "address": "Cím",
    "danger_now": "Most, közvetlen veszélyben van-e a gyermek",
    "relation": "Ki okozza a bántalmazást, veszélyt (kapcsolata a gyermekkel)",
    "since": "Mióta tart",
    "others_know": "Tud-e róla más",
}
YES_NO = {"yes": "igen", "no": "nem", UNKNOWN: "a bejelentő nem tudja"}


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
        return "(nem adta meg)"
    if name == "danger_now" or value == UNKNOWN:
        return YES_NO.get(value, value)
    return pii.mask(value)


def _date(ts: float) -> str:
    return time.strftime("%Y. %m. %d. %H:%M", time.localtime(ts))


def render(report: Report) -> bytes:
    """The PDF bytes of the written report."""
    font = font_path()
    pdf = FPDF(format="A4")
    pdf.set_title("Jelzés gyermek veszélyeztetettségéről")
    pdf.set_author("Gyermekvédő hívószám")
    pdf.set_creator("Gyermekvédő hívószám")
    pdf.add_font("DejaVu", "", str(font))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def heading(text: str, size: int = 12) -> None:
        pdf.set_font("DejaVu", size=size)
        pdf.multi_cell(width, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def para(text: str, size: int = 10) -> None:
        pdf.set_font("DejaVu", size=size)
        pdf.multi_cell(width, 5.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)

    heading("Írásbeli jelzés gyermek veszélyeztetettségéről", 15)
    para(f"Hivatkozási szám: {report.ref}    Beérkezett: {_date(report.created)}    Kelt: {_date(time.time())}")
    if report.authority:
        lines = [report.authority.get("name", "")]
        for key in ("address", "email"):
            if report.authority.get(key):
                lines.append(report.authority[key])
        para("Címzett: " + "\n".join(lines), 11)
    para("A gyermekvédő hívószámhoz érkezett jelzést a gyermek védelme érdekében továbbítjuk. "
         "A jelző személye és elérhetősége semmilyen formában nem hozható nyilvánosságra; "
         "ezért azt ez az irat nem tartalmazza.")
    if report.immediate:
        para("KÖZVETLEN VESZÉLY: a jelzés szerint a gyermek most is veszélyben van.", 11)

    heading("A jelzés adatai")
    for name, label in LABELS.items():
        pdf.set_font("DejaVu", size=9)
        pdf.multi_cell(width, 5, label + ":", new_x="LMARGIN", new_y="NEXT")
        para(_value(name, report), 11)

    if report.additions:
        heading("A jelző későbbi kiegészítései")
        for a in report.additions:
            para(f"{_date(a['ts'])}: {pii.mask(a['text'])}")
    if report.notes:
        heading("A hívószám munkatársának kiegészítései (telefonos egyeztetés)")
        for n in report.notes:
            para(f"{_date(n['ts'])}: {pii.mask(n['text'])}")
    para("Gyermekvédő hívószám", 10)
    return bytes(pdf.output())
