"""Serving the page on this machine only, with nothing fetched from the internet: Solara's own scripts and styles
come from the pinned ``solara-assets`` package (its CDN proxy is pointed at an address that refuses, so a missing
file fails instead of being downloaded), telemetry is off, and the CJK font is served from the font file
matplotlib uses (``experiments.report.house_style``)."""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib import font_manager

from innosim.experiments.report.house_style import cjk_family

APP = "innosim.experiments.explore.page"
NO_CDN = "http://127.0.0.1:9/"  # discard port: a request for an asset solara-assets lacks fails at once


def cjk_font_file() -> Path:
    """The CJK font file (OTF/TTF) the charts use; raises ``NoCJKFont`` naming what to install."""
    return Path(font_manager.findfont(font_manager.FontProperties(family=cjk_family()), fallback_to_default=False))


def offline_environment(lang: str, params: str, workers: int, out: str) -> dict[str, str]:
    """Environment variables for the page and for Solara (read when Solara is imported)."""
    font = cjk_font_file()
    return {"SOLARA_APP": APP, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_ASSETS_CDN": NO_CDN,
            "SOLARA_ASSETS_PROXY": "True", "SOLARA_ASSETS_EXTRA_LOCATIONS": str(font.parent),
            "SOLARA_THEME_SHOW_BANNER": "False", "INNOSIM_EXPLORE_LANG": lang, "INNOSIM_EXPLORE_PARAMS": params,
            "INNOSIM_EXPLORE_WORKERS": str(workers), "INNOSIM_EXPLORE_OUT": out, "INNOSIM_EXPLORE_FONT": font.name}


def serve(host: str, port: int, lang: str, params: str, workers: int, out: str) -> None:
    """Run the page's server until interrupted (Ctrl-C)."""
    os.environ.update(offline_environment(lang, params, workers, out))
    import solara.server.settings  # noqa: F401  (reads the environment set above)
    import uvicorn
    from solara.server.starlette import app

    uvicorn.run(app, host=host, port=port, log_level="warning")
