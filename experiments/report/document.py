"""The briefing as one self-contained HTML page (images embedded as data URIs, no external links) and as a PDF
(a text page made with matplotlib in the same font, then one A4 page per chart with the chart's own vector PDF
placed on it by pypdf, so charts stay vector)."""

from __future__ import annotations

import base64
import html
import textwrap
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from pypdf import PdfReader, PdfWriter, Transformation

from innosim.experiments.report import i18n

A4 = (8.27, 11.69)  # inches
PT = 72.0


@dataclass
class Chart:
    stem: str
    png: Path
    caption: str


CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;
max-width:1000px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #1f5fa8;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;font-size:.92em;margin:.6em 0}
th,td{border:1px solid #ccc;padding:.35em .5em;text-align:left;vertical-align:top}th{background:#eef3fa}
td.num{text-align:right;white-space:nowrap}figure{margin:1.4em 0}img{width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.98em;margin-top:.4em}.small{font-size:.85em;color:#555}
"""


def _table_html(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for rec in frame.itertuples(index=False):
        cells = []
        for v in rec:
            s = html.escape(str(v))
            cells.append(f'<td class="num">{s}</td>' if any(ch.isdigit() for ch in s[:2]) else f"<td>{s}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def write_html(path: Path, lang: str, generated: str, tables: list[tuple[str, pd.DataFrame]], charts: list[Chart],
               limits: list[str], sources: list[str], *, title: str) -> Path:
    """``briefing.html``: every image inline (base64 PNG), no scripts, stylesheets or links to fetch."""
    parts = [f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
             f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>",
             f'<p class="small">{html.escape(i18n.t("generated", lang, when=generated))}</p>',
             f"<h2>{html.escape(i18n.t('key_numbers', lang))}</h2>"]
    for title, frame in tables:
        parts.append(f"<h3>{html.escape(title)}</h3>{_table_html(frame)}")
    parts.append(f"<h2>{html.escape(i18n.t('charts', lang))}</h2>")
    for c in charts:
        data = base64.b64encode(c.png.read_bytes()).decode("ascii")
        parts.append(f'<figure><img alt="{html.escape(c.caption)}" src="data:image/png;base64,{data}">'
                     f"<figcaption>{html.escape(c.caption)}</figcaption></figure>")
    parts.append(f"<h2>{html.escape(i18n.t('limits', lang))}</h2><ul>")
    parts += [f"<li>{html.escape(x)}</li>" for x in limits]
    parts.append(f"</ul><h2>{html.escape(i18n.t('sources', lang))}</h2><ul class='small'>")
    parts += [f"<li>{html.escape(x)}</li>" for x in sources]
    parts.append("</ul></body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def wrap(text: str, lang: str, width: int) -> list[str]:
    """Lines of at most ``width`` Latin characters (a Chinese character counts as two)."""
    if lang != "zh":
        return textwrap.wrap(text, width) or [""]
    lines, cur, used = [], "", 0
    for ch in text:
        w = 2 if ord(ch) > 0x2E80 else 1
        if used + w > width:
            lines.append(cur)
            cur, used = "", 0
        cur += ch
        used += w
    return [*lines, cur] if cur else lines or [""]


class _TextPage:
    """A4 text pages drawn top to bottom with matplotlib (so the CJK font is embedded like the charts')."""

    def __init__(self, pdf: PdfPages) -> None:
        self.pdf = pdf
        self.fig = None
        self.y = 0.0

    def _new(self) -> None:
        if self.fig is not None:
            self.pdf.savefig(self.fig)
            plt.close(self.fig)
        self.fig = plt.figure(figsize=A4)
        self.y = 0.95

    def line(self, text: str, size: float = 9.5, weight: str = "normal", gap: float = 1.45,
             x: float = 0.07) -> None:
        step = size * gap / PT / A4[1]
        if self.fig is None or self.y - step < 0.05:
            self._new()
        self.fig.text(x, self.y, text, fontsize=size, fontweight=weight, va="top", ha="left")
        self.y -= step

    def close(self) -> None:
        if self.fig is not None:
            self.pdf.savefig(self.fig)
            plt.close(self.fig)


def _table_pages(pdf: PdfPages, title: str, frame: pd.DataFrame, lang: str, rows_per_page: int = 30) -> None:
    """A table drawn as a real grid, ``rows_per_page`` rows per A4 page, headings wrapped."""
    width = 16 if lang == "zh" else 22
    heads = ["\n".join(wrap(str(c), lang, width)) for c in frame.columns]
    cells = frame.astype(str).to_numpy().tolist()
    widths = [max(len(str(c)) for c in [h, *frame[col].astype(str)]) for h, col in zip(frame.columns, frame.columns,
                                                                                       strict=True)]
    widths = [min(w, 40) for w in widths]
    total = float(sum(widths))
    for start in range(0, len(cells), rows_per_page):
        fig = plt.figure(figsize=A4)
        fig.text(0.07, 0.95, title + (" (cont.)" if start and lang == "en" else "（续）" if start else ""),
                 fontsize=12.5, fontweight="bold", va="top")
        ax = fig.add_axes((0.05, 0.05, 0.9, 0.86))
        ax.axis("off")
        chunk = cells[start:start + rows_per_page]
        tab = ax.table(cellText=chunk, colLabels=heads, colWidths=[w / total for w in widths], loc="upper center",
                       cellLoc="left", colLoc="left")
        tab.auto_set_font_size(False)
        tab.set_fontsize(7.5)
        tab.scale(1.0, 1.35)
        for (r, _), cell in tab.get_celld().items():
            cell.set_edgecolor("#bbbbbb")
            if r == 0:
                cell.set_facecolor("#eef3fa")
                cell.set_height(cell.get_height() * 2.2)
        pdf.savefig(fig)
        plt.close(fig)


def _pdf_text(path: Path, lang: str, generated: str, tables: list[tuple[str, pd.DataFrame]], limits: list[str],
              sources: list[str], title: str) -> None:
    width = 100
    with PdfPages(path) as pdf:
        page = _TextPage(pdf)
        for ln in wrap(title, lang, 70):
            page.line(ln, size=15, weight="bold", gap=1.5)
        for ln in wrap(i18n.t("generated", lang, when=generated), lang, width):
            page.line(ln, size=8.5)
        page.line("", size=6)
        page.line(i18n.t("limits", lang), size=12.5, weight="bold", gap=1.8)
        for item in limits:
            for j, ln in enumerate(wrap(item, lang, width - 3)):
                page.line(("• " if j == 0 else "  ") + ln, size=9)
        page.line("", size=5)
        page.line(i18n.t("sources", lang), size=12.5, weight="bold", gap=1.8)
        for item in sources:
            for ln in wrap(item, lang, width + 8):
                page.line(ln, size=7.5)
        page.close()
        for title, frame in tables:
            _table_pages(pdf, f"{i18n.t('key_numbers', lang)}: {title}" if lang == "en" else
                         f"{i18n.t('key_numbers', lang)}：{title}", frame, lang)


def _caption_page(path: Path, caption: str, lang: str, lines_at: float) -> None:
    fig = plt.figure(figsize=A4)
    y = lines_at
    for ln in wrap(caption, lang, 92):
        fig.text(0.07, y, ln, fontsize=10.5, va="top", ha="left")
        y -= 10.5 * 1.5 / PT / A4[1]
    fig.savefig(path)
    plt.close(fig)


def write_pdf(path: Path, lang: str, generated: str, tables: list[tuple[str, pd.DataFrame]], charts: list[Chart],
              limits: list[str], sources: list[str], scratch: Path, *, title: str) -> Path:
    """``briefing.pdf``: text pages, then each chart's vector PDF scaled onto an A4 page above its caption. Draw
    inside ``house_style.style(lang)`` so the text pages use the charts' font."""
    with plt.rc_context({"savefig.bbox": "standard"}):  # whole A4 pages, not cropped to their content
        return _write_pdf(path, lang, generated, tables, charts, limits, sources, scratch, title)


def _write_pdf(path: Path, lang: str, generated: str, tables: list[tuple[str, pd.DataFrame]], charts: list[Chart],
               limits: list[str], sources: list[str], scratch: Path, title: str) -> Path:
    text_pdf = scratch / "text.pdf"
    _pdf_text(text_pdf, lang, generated, tables, limits, sources, title)
    writer = PdfWriter()
    for p in PdfReader(text_pdf).pages:
        writer.add_page(p)
    page_w, page_h = A4[0] * PT, A4[1] * PT
    margin = 0.07 * page_w
    for i, c in enumerate(charts):
        chart = PdfReader(c.png.with_suffix(".pdf")).pages[0]
        cw, ch = float(chart.mediabox.width), float(chart.mediabox.height)
        scale = min((page_w - 2 * margin) / cw, (page_h * 0.62) / ch)
        top = page_h - margin
        y0 = top - ch * scale
        cap = scratch / f"caption{i}.pdf"
        _caption_page(cap, c.caption, lang, lines_at=(y0 - 14) / page_h)
        page = writer.add_page(PdfReader(cap).pages[0])  # pypdf merges only into a page its writer owns
        page.merge_transformed_page(chart, Transformation().scale(scale).translate(margin, y0))
    writer.add_metadata({"/Title": title, "/Creator": "innosim brief"})
    with open(path, "wb") as fh:
        writer.write(fh)
    return path
