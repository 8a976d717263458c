"""The briefing house style: one font, palette and size set for every briefing chart, PNG (300 dpi) + PDF.

Chinese text needs a CJK font. The set-up installs ``mplfonts``, which ships Noto Sans CJK SC (SIL OFL); a
system font (Noto Sans CJK, Source Han Sans, WenQuanYi …) is used first when matplotlib knows one.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from innosim.model.errors import InputError  # noqa: E402

CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Sarasa Gothic SC")
BUNDLED = "NotoSansCJKsc-Regular.otf"  # inside mplfonts/fonts/
INSTALL_HINT = ("install one: `pip install mplfonts` (bundles Noto Sans CJK SC; the README's set-up does this) or "
                "`apt install fonts-noto-cjk`, then run again")

BLUE, ORANGE, RED, GREY, GREEN = "#1f5fa8", "#e07b00", "#c0282d", "#6b6b6b", "#2e8b57"
SERIES = (BLUE, ORANGE, GREEN, "#7b4fa0", "#8c564b", "#d6619e", "#17becf", GREY)
DPI = 300


class NoCJKFont(InputError):
    """No font that can draw Chinese is available."""


def _bundled_font() -> Path | None:
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        path = Path(loc) / "fonts" / BUNDLED
        if path.is_file():
            return path
    return None


def cjk_family() -> str:
    """Name of a font family that draws Chinese; raises ``NoCJKFont`` naming what to install."""
    known = {f.name for f in font_manager.fontManager.ttflist}
    for fam in CJK_FAMILIES:
        if fam in known:
            return fam
    path = _bundled_font()
    if path is None:
        raise NoCJKFont("--lang zh", "", f"no Chinese (CJK) font found on this machine; {INSTALL_HINT}")
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def apply(lang: str) -> str:
    """Set the house style for ``lang`` ('en' or 'zh'); returns the font family used for text."""
    if lang == "zh":
        families = [cjk_family(), "DejaVu Sans"]
    else:
        try:  # Chinese names (a scenario, 拨改投) in an English briefing still render when a CJK font exists
            families = ["DejaVu Sans", cjk_family()]
        except NoCJKFont:
            families = ["DejaVu Sans"]
    # The bundled CJK font has one weight; matplotlib would warn on every bold title that it uses it.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    plt.rcdefaults()
    plt.rcParams.update({
        "font.family": families,
        "font.size": 11, "axes.titlesize": 13, "axes.titleweight": "bold", "axes.labelsize": 11,
        "xtick.labelsize": 10, "ytick.labelsize": 10, "legend.fontsize": 9, "legend.frameon": False,
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
        "axes.unicode_minus": False,  # CJK fonts often lack U+2212
        "pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none",
        "figure.dpi": 100, "savefig.dpi": DPI, "savefig.bbox": "tight", "savefig.pad_inches": 0.15,
    })
    return families[0]


def save(fig: plt.Figure, folder: Path, stem: str) -> Path:
    """Write ``stem.png`` (300 dpi) and ``stem.pdf`` (vector) into ``folder``; returns the PNG path."""
    png = folder / f"{stem}.png"
    fig.savefig(png, dpi=DPI)
    fig.savefig(folder / f"{stem}.pdf")
    plt.close(fig)
    return png
