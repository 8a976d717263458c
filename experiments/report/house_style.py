"""The house style of every innosim chart: one font, palette and size set, PNG at 300 dpi (+ vector PDF for the
briefing), English or Chinese text.

Chinese text needs a CJK font. The set-up installs ``mplfonts``, which ships Noto Sans CJK SC (SIL OFL); a
system font (Noto Sans CJK, Source Han Sans, WenQuanYi …) is used first when matplotlib knows one.

Nothing here chooses the matplotlib backend (the command line does) or changes the global ``rcParams``: each
chart is drawn inside ``style(lang)``, which starts from matplotlib's defaults and restores the caller's settings.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib import font_manager

from innosim.experiments.runs.files import replacing
from innosim.model.errors import InputError

CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Sarasa Gothic SC")
BUNDLED = "NotoSansCJKsc-Regular.otf"  # inside mplfonts/fonts/
INSTALL_HINT = ("install one: `pip install mplfonts` (bundles Noto Sans CJK SC; the README's set-up does this) or "
                "`apt install fonts-noto-cjk`, then run again")

BLUE, ORANGE, RED, GREY, GREEN = "#1f5fa8", "#e07b00", "#c0282d", "#6b6b6b", "#2e8b57"
SERIES = (BLUE, ORANGE, GREEN, "#7b4fa0", "#8c564b", "#d6619e", "#17becf", GREY)
SEQUENTIAL = "Blues"  # probabilities on a 0–1 scale (heatmaps, grids)
DPI = 300
WIDE = (10, 5.6)  # inches, 16:9: a chart goes on a slide as it is


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


def families(lang: str) -> list[str]:
    """Font families for ``lang`` ('en' or 'zh'), first choice first; raises ``NoCJKFont`` for 'zh' without one."""
    if lang == "zh":
        return [cjk_family(), "DejaVu Sans"]
    try:  # Chinese names (a scenario, 拨改投) in an English chart still render when a CJK font exists
        return ["DejaVu Sans", cjk_family()]
    except NoCJKFont:
        return ["DejaVu Sans"]


def rc(lang: str) -> dict:
    """The house rcParams for ``lang``."""
    # The bundled CJK font has one weight; matplotlib would warn on every bold title that it uses it.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    return {
        "font.family": families(lang),
        "font.size": 11, "axes.titlesize": 13, "axes.titleweight": "bold", "axes.labelsize": 11,
        "xtick.labelsize": 10, "ytick.labelsize": 10, "legend.fontsize": 9, "legend.frameon": False,
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
        "axes.unicode_minus": False,  # CJK fonts often lack U+2212
        "pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none",
        "figure.dpi": 100, "savefig.dpi": DPI, "savefig.bbox": "tight", "savefig.pad_inches": 0.15,
    }


@contextmanager
def style(lang: str) -> Iterator[None]:
    """Draw inside this: matplotlib's defaults plus the house style for ``lang``, whatever a previous chart or
    the caller left in the global rcParams; the caller's rcParams are restored on exit."""
    house = rc(lang)  # raises NoCJKFont before anything is drawn
    with mpl.rc_context():
        mpl.rcdefaults()  # keeps the backend (matplotlib leaves it out of the defaults it restores)
        mpl.rcParams.update(house)
        yield


def apply(lang: str) -> str:
    """Check that ``lang`` can be drawn (raises ``NoCJKFont`` for Chinese without a font); returns the font family
    used for text. Does not change global settings: draw inside ``style(lang)``."""
    return families(lang)[0]


def save(fig: plt.Figure, folder: Path, stem: str, pdf: bool = True) -> Path:
    """Write ``stem.png`` (300 dpi) and, when ``pdf``, ``stem.pdf`` (vector) into ``folder``; closes the figure and
    returns the PNG path. Each file is replaced whole (``runs.files.replacing``): charts are drawn into batch
    folders that may already be complete (a ``--resume``), and a kill while drawing must leave the old chart or
    the new one, never one cut short."""
    png = folder / f"{stem}.png"
    try:
        with replacing(png) as tmp:
            fig.savefig(tmp, dpi=DPI, format="png")
        if pdf:
            with replacing(folder / f"{stem}.pdf") as tmp:
                fig.savefig(tmp, format="pdf")
    finally:
        plt.close(fig)
    return png
