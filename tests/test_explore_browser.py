"""innosim explore in a real browser (Playwright driving Debian's chromium; no browser is downloaded): start the
server, move a slider, run 8 replicates, wait for the cards, check them against `innosim run` of the exported
scenario with the same seed, check that no request left this machine, and save screenshots (zh and en, laptop
1366×768 and projector 1920×1080) into a temporary folder whose path is printed.

Chromium: the session fixture uses `chromium` on PATH; when it is missing and the tests run as root it runs
`apt-get install -y chromium`, otherwise it fails with one line saying so."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from innosim.experiments.report import i18n

SEED, REPLICATES = 20240101, 8
INNOSIM = Path(sys.executable).with_name("innosim")
LOCAL = {"127.0.0.1", "localhost", ""}


@pytest.fixture(scope="session")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None and hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd = ["apt-get", "install", "-y", "-q", "chromium"]
        if subprocess.run(cmd, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True)
            subprocess.run(cmd, capture_output=True)
        path = shutil.which("chromium")
    if path is None:
        pytest.fail("the browser test needs Debian's chromium: run `apt-get install -y chromium` as root", False)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("explore")
    port = free_port()
    proc = subprocess.Popen([str(INNOSIM), "explore", "--port", str(port), "--params", "prior", "--lang", "zh",
                             "--out", str(work / "results")], cwd=work, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            assert proc.poll() is None, proc.stdout.read()
            time.sleep(0.5)
    yield url, work
    proc.terminate()
    proc.wait(10)


def card_text(page, key: str) -> str:
    return page.locator(f"[data-k='{key}']").first.inner_text().strip()


def test_explore_in_browser(chromium, server):
    from playwright.sync_api import sync_playwright

    url, work = server
    shots = Path(tempfile.mkdtemp(prefix="innosim-explore-shots-"))
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.on("request", lambda r: requests.append(r.url))
        page.goto(url)
        page.locator(".innosim-run").wait_for(timeout=30_000)
        # move the voucher budget slider by 0.5 亿元/yr: one click on its track (keyboard steps race with the
        # server's echo of the value)
        box = page.locator(".v-input", has=page.locator("label", has_text="创新券"))
        slider = box.locator("[role=slider]")
        page.wait_for_timeout(500)  # the page is connected and rendered
        before = float(slider.get_attribute("aria-valuenow"))
        top = float(slider.get_attribute("aria-valuemax"))
        target = round(before + 0.5, 6)
        track = box.locator(".v-slider").bounding_box()
        page.mouse.click(track["x"] + track["width"] * target / top, track["y"] + track["height"] / 2)
        page.wait_for_timeout(500)
        assert float(slider.get_attribute("aria-valuenow")) == pytest.approx(target)
        page.get_by_text(f"创新券 {target:.1f}").wait_for(timeout=10_000)  # the server has the new value
        page.locator(".innosim-run").click()
        page.locator(".innosim-card").nth(5).wait_for(timeout=60_000)
        page.locator("img").first.wait_for(timeout=30_000)
        shown = {k: (card_text(page, f"{k}-p"), card_text(page, f"{k}-median")) for k in ("tech_enterprises",
                 "rd_expenditure", "platforms", "tech_contract_turnover", "tech_brokers")}
        page.screenshot(path=shots / "zh_1366x768.png", full_page=False)
        page.set_viewport_size({"width": 1920, "height": 1080})
        page.screenshot(path=shots / "zh_1920x1080.png", full_page=False)
        page.screenshot(path=shots / "zh_full.png", full_page=True)
        page.locator(".innosim-export").click()
        written = page.locator(".innosim-written")
        written.wait_for(timeout=30_000)
        folder = Path(written.inner_text().split("：", 1)[-1].split(": ", 1)[-1].strip())
        page.locator(".innosim-lang").click()
        page.get_by_text("Spending per instrument against budget").wait_for(timeout=30_000)
        page.wait_for_timeout(500)
        page.screenshot(path=shots / "en_1920x1080.png", full_page=False)
        page.set_viewport_size({"width": 1366, "height": 768})
        page.screenshot(path=shots / "en_1366x768.png", full_page=False)
        page.screenshot(path=shots / "en_full.png", full_page=True)
        browser.close()
    print(f"\nexplore screenshots: {shots}")
    outside = [u for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")
               and urlparse(u).hostname not in LOCAL]
    assert not outside, f"requests left this machine: {outside[:5]}"
    # the exported folder is what `innosim run` of its scenario.yaml writes, same seed -> same numbers
    assert folder.is_dir(), folder
    cli = work / "cli"
    subprocess.run([str(INNOSIM), "run", str(folder / "scenario.yaml"), "--replicates", str(REPLICATES), "--seed",
                    str(SEED), "--params", "prior", "--out", str(cli), "--quiet"], check=True, cwd=work,
                   capture_output=True)
    mine, theirs = pd.read_csv(folder / "targets.csv"), pd.read_csv(cli / "targets.csv")
    pd.testing.assert_frame_equal(mine, theirs)
    annual = pd.read_csv(cli / "annual.csv")
    last = annual[annual["year"] == annual["year"].max()]
    tt = theirs.set_index("indicator")
    for k, (p_txt, med_txt) in shown.items():
        assert p_txt == i18n.percent(tt.loc[k, "p_met"]), k
        kind = "money" if k in ("rd_expenditure", "tech_contract_turnover") else "count"
        assert med_txt == i18n.number(float(last[k].median()), kind), k
    assert (tt["n"] == REPLICATES).all()
    brief = subprocess.run([str(INNOSIM), "brief", str(folder), "--lang", "en", "--out", str(work / "brief")],
                           cwd=work, capture_output=True, text=True)
    assert brief.returncode == 0, brief.stderr
