"""The explore page (Solara). Everything a session holds — the scenario, the setting, the background run, the kept
settings — lives in component state, so each browser session has its own; nothing is shared at module level.
Sliders are Mesa's ``UserInputs`` (SolaraViz); cards, progress, charts and exports are Solara components."""

from __future__ import annotations

import math
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import solara
from mesa.visualization.solara_viz import UserInputs

from innosim.experiments.explore import charts
from innosim.experiments.explore.engine import Job, run_pair
from innosim.experiments.explore.export import write_results
from innosim.experiments.explore.settings import (
    MAX_REPLICATES,
    MAX_SETTINGS,
    Loaded,
    Setting,
    assumption_parameters,
    cities,
    family_budgets,
    load,
    scenario_yaml,
    shipped_scenarios,
)
from innosim.experiments.explore.settings import apply as apply_setting
from innosim.experiments.explore.words import param_label, w
from innosim.experiments.report import i18n
from innosim.model.errors import InputError
from innosim.model.policy import family_members

ENV_LANG, ENV_PARAMS, ENV_WORKERS, ENV_OUT, ENV_FONT = ("INNOSIM_EXPLORE_LANG", "INNOSIM_EXPLORE_PARAMS",
                                                       "INNOSIM_EXPLORE_WORKERS", "INNOSIM_EXPLORE_OUT",
                                                       "INNOSIM_EXPLORE_FONT")
ASSUMPTION_PARAMS = assumption_parameters()  # fails loudly at import when a listed name is not declared

CSS = """
@font-face { font-family: 'InnosimCJK'; src: url('/static/assets/%(font)s'); font-display: block; }
.v-application, .v-application *:not(.v-icon):not(.fa):not([class*="mdi"]):not(code):not(pre) {
  font-family: 'InnosimCJK', 'Noto Sans CJK SC', sans-serif !important; }
.v-slider + .v-input__append-outer, .v-input--slider .v-label { white-space: normal; }
.innosim-card { min-width: 230px; flex: 1 1 230px; }
.innosim-card .v-card__title { word-break: normal; font-size: 1.1rem; line-height: 1.4; }
.innosim-num { font-size: 1.6em; font-weight: bold; }
.innosim-small { font-size: 0.85em; color: #555; }
.innosim-up { color: #2e8b57; } .innosim-down { color: #c0282d; }
"""


def current_context():
    """The Solara session (virtual kernel) rendering now, or None outside a server (tests with solara.render)."""
    try:
        from solara.server import kernel_context

        return kernel_context.get_current_context()
    except Exception:  # no server context
        return None


def fmt_money_or_count(indicator: str, v: float) -> str:
    """A target-year value as the cards show it (亿元 or a count)."""
    kind = "money" if indicator in ("rd_expenditure", "tech_contract_turnover") else "count"
    return i18n.number(v, kind)


def on_grid(value: float, low: float, high: float, step: float) -> float:
    """The value a slider of this ``low``, ``high`` and ``step`` settles on (Vuetify's rounding). A slider given a
    value off its grid rounds it and sends the rounded value back, which the page would take for the user's move:
    the page gives every slider its value on the grid and ignores a value equal to the one it gave (``echo``)."""
    text = np.format_float_positional(step, trim="-")
    decimals = len(text.partition(".")[2])
    offset = math.fmod(low, step)
    v = math.floor((min(max(value, low), high) - offset) / step + 0.5) * step + offset
    return round(min(v, high), decimals)


def echo(value: float, shown: float) -> bool:
    """Whether a slider's ``value`` is only the value the page gave it (not a move by the user)."""
    return abs(float(value) - shown) < 1e-9


def signed_pp(v: float) -> str:
    """A change in probability in percentage points, with its sign."""
    return f"{v * 100:+.0f}pp"


@solara.component
def Card(row: dict, lang: str, year: int):
    """One target: P(met) with its Wilson interval, the target-year median and 90% band, the paired change."""
    k = row["indicator"]
    name = i18n.indicator(k, lang) if k != "all" else w("all", lang)
    with solara.Card(name, classes=["innosim-card"], style={"margin": "4px"}):
        judged = row["p_met"] == row["p_met"]  # NaN: the plan states no target for it
        solara.HTML(tag="div", unsafe_innerHTML=(
            f"<span class='innosim-num' data-k='{k}-p'>{i18n.percent(row['p_met'])}</span> "
            f"<span class='innosim-small'>{w('p_met', lang)} [{i18n.percent(row['ci_low'])}, "
            f"{i18n.percent(row['ci_high'])}]</span>" if judged else
            f"<span class='innosim-small' data-k='{k}-p'>{w('no_target', lang)}</span>"))
        if k != "all":
            unit = i18n.UNIT_SHORT[lang].get(k, "")
            solara.HTML(tag="div", unsafe_innerHTML=(
                f"<div>{w('median', lang, year=year)}: <b data-k='{k}-median'>"
                f"{fmt_money_or_count(k, row['median'])}</b> {unit}</div>"
                f"<div class='innosim-small'>{w('band', lang)} [{fmt_money_or_count(k, row['p05'])} – "
                f"{fmt_money_or_count(k, row['p95'])}]"
                + (f" · {w('target', lang, v=format(row['target'], ',.0f'))}" if judged else "") + "</div>"))
        cls = "innosim-up" if row["dp"] > 0 else ("innosim-down" if row["dp"] < 0 else "")
        extra = ""
        if k != "all":
            extra = (f"; {i18n.t('median', lang)} {row['dmed']:+,.0f} "
                     f"[{row['dmean_low']:+,.0f}, {row['dmean_high']:+,.0f}]")
        solara.HTML(tag="div", unsafe_innerHTML=(
            f"<div class='innosim-small'>{w('change', lang)}: " + (
                f"<span class='{cls}'>{signed_pp(row['dp'])}</span> [{signed_pp(row['dp_low'])}, "
                f"{signed_pp(row['dp_high'])}]{extra}" if judged else extra.removeprefix("; ")) + "</div>"))


@solara.component
def Kept(kept: list[dict], lang: str, on_remove):
    """Up to four kept settings side by side: total budget, changed levers and P(met) per target (the
    target-year median for an indicator the plan sets no target for)."""
    if not kept:
        return
    solara.Markdown(f"### {w('kept', lang, n=MAX_SETTINGS)}")
    with solara.Columns([1] * len(kept)):
        for i, s in enumerate(kept):
            with solara.Card(f"{w('setting', lang, i=i + 1)} · {s['name']}", classes=["innosim-kept"]):
                solara.Text(f"{w('total', lang)}: {s['total']:.1f} 亿元/yr")
                for line in s["changes"]:
                    solara.Text(line, style={"font-size": "0.85em"})
                for r in s["cards"]:
                    label = i18n.indicator(r["indicator"], lang) if r["indicator"] != "all" else w("all", lang)
                    if r["p_met"] == r["p_met"]:
                        solara.Text(f"{label}: {i18n.percent(r['p_met'])} ({signed_pp(r['dp'])})")
                    else:  # the plan states no target for it: the target-year median and its paired change
                        solara.Text(f"{label}: {fmt_money_or_count(r['indicator'], r['median'])} "
                                    f"({r['dmed']:+,.0f})")
                solara.Button(w("remove", lang), on_click=lambda i=i: on_remove(i), text=True, small=True)


def changes(loaded: Loaded, setting: Setting, lang: str) -> list[str]:
    """What a setting changes, one line each (family budgets in 亿元/yr, assumption values)."""
    now = family_budgets(loaded.scenario, loaded.city.plan.years)
    out = [f"{i18n.FAMILY[lang][f]}: {now[f]:.2f} → {v:.2f}" for f, v in setting.budgets.items()
           if abs(v - now[f]) > 1e-9]
    out += [f"{param_label(k, lang)}: {v:g}" for k, v in setting.assumptions.items()]
    return out


@solara.component
def Page():
    """The whole page for one browser session."""
    lang, set_lang = solara.use_state(os.environ.get(ENV_LANG, "zh"))
    params = os.environ.get(ENV_PARAMS, "posterior")
    workers = int(os.environ.get(ENV_WORKERS, "1"))
    scenarios = solara.use_memo(shipped_scenarios, [])
    city_files = solara.use_memo(cities, [])
    scen_path, set_scen_path = solara.use_state(str(scenarios.get("baseline", next(iter(scenarios.values())))))
    path_text, set_path_text = solara.use_state("")
    city, set_city = solara.use_state("")
    error, set_error = solara.use_state("")

    def do_load():
        try:
            return load(scen_path, city_files[city] if city else None)
        except InputError as e:
            set_error(str(e))
            return None

    loaded: Loaded | None = solara.use_memo(do_load, [scen_path, city])
    plan = loaded.city.plan if loaded else None
    # Only the families the city runs an instrument of: another family's budget would fund nothing.
    base_budgets = solara.use_memo(lambda: {f: v for f, v in family_budgets(loaded.scenario, plan.years).items()
                                            if family_members(f, loaded.scenario)} if loaded else {}, [loaded])
    setting, set_setting = solara.use_state(Setting(params=params))
    job: Job = solara.use_memo(Job, [])
    _, set_tick = solara.use_state(0)
    kept, set_kept = solara.use_state([])
    written, set_written = solara.use_state("")
    out_base = os.environ.get(ENV_OUT, "results")

    ctx = current_context()

    def notify():
        if ctx is None:
            set_tick(lambda t: t + 1)
        else:
            with ctx:  # called from the run's thread: update this session's page
                set_tick(lambda t: t + 1)

    budgets = {f: setting.budgets.get(f, v) for f, v in base_budgets.items()}
    total = sum(budgets.values())
    # Each slider's range and step, and the value it is given (on its grid: see ``on_grid``).
    total_range = (0.0, round(4 * max(total, 1.0), 1), 0.5)
    budget_range = {f: (0.0, round(max(4 * base_budgets[f], 2.0), 1), 0.1) for f in budgets}
    assumption_values = ({**{p.name: p.median for p in ASSUMPTION_PARAMS}, **loaded.scenario.assumptions,
                          **setting.assumptions} if loaded else {})
    assumption_range = {p.name: (p.low, p.high, round((p.high - p.low) / 50, 6)) for p in ASSUMPTION_PARAMS}
    shown_total = on_grid(total, *total_range)
    shown_budget = {f: on_grid(v, *budget_range[f]) for f, v in budgets.items()}
    shown_assumption = {k: on_grid(v, *assumption_range[k]) for k, v in assumption_values.items()}

    def on_budget(fam, value):
        if not echo(value, shown_budget[fam]):
            set_setting(setting.with_budget(fam, value))

    def on_total(value):
        if echo(value, shown_total):
            return
        scale = value / total if total > 0 else 0.0
        s = setting
        for f, v in budgets.items():
            s = s.with_budget(f, round(v * scale, 6))
        set_setting(s)

    def on_assumption(name, value):
        if not echo(value, shown_assumption[name]):
            set_setting(setting.with_assumption(name, value))

    def run_or_cancel():
        if job.state == "running":
            job.cancel()
            return
        scen = apply_setting(loaded, setting)
        label = scen.name

        def work(progress, cancel):
            return run_pair(scen, loaded.scenario, plan, setting.replicates, setting.seed, setting.params,
                            workers=workers, progress=progress, cancel=cancel)

        def post(result):
            out, _, spend = result
            return {"fans": charts.fan_pngs(out, lang, label), "spend": charts.spending_png(spend, lang),
                    "lang": lang}

        set_written("")
        job.start(work, notify, post)
        notify()

    def draw():
        if job.result is None:
            return None
        if job.extra.get("lang") == lang:
            return job.extra
        out, _, spend = job.result
        return {"fans": charts.fan_pngs(out, lang, out.scenario.name), "spend": charts.spending_png(spend, lang),
                "lang": lang}

    pics = solara.use_memo(draw, [id(job.result), job.state, lang])
    font = os.environ.get(ENV_FONT, "")
    solara.Style(CSS % {"font": font})
    solara.Title(w("title", lang))
    with solara.Sidebar():
        solara.Button(w("language", lang), on_click=lambda: set_lang("en" if lang == "zh" else "zh"), text=True,
                      classes=["innosim-lang"])
        shipped = next((k for k, f in scenarios.items() if Path(f).resolve() == Path(scen_path).resolve()), None)
        solara.Select(w("scenario", lang), values=list(scenarios), value=shipped,
                      on_value=lambda v: (set_scen_path(str(scenarios[v])), set_setting(Setting(params=params))))
        with solara.Row():
            solara.InputText(w("scenario_path", lang), value=path_text, on_value=set_path_text)
            solara.Button(w("load", lang), on_click=lambda: (set_error(""), set_scen_path(path_text),
                                                             set_setting(Setting(params=params))), small=True)
        solara.Select(w("city", lang), values=list(city_files), value=city or (Path(loaded.scenario.city).stem
                                                                               if loaded else None),
                      on_value=set_city)
        if error:
            solara.Error(error)
        if loaded:
            # Keyed by the scenario: a new scenario gets new sliders (a slider whose range shrinks under its old
            # value would send the clamped value back as if the user had moved it).
            key = f"{Path(scen_path).resolve()}|{city}"
            solara.Markdown(f"**{w('budgets', lang, start=plan.start_year, end=plan.target_year)}**")
            lo, hi, step = total_range
            solara.SliderFloat(f"{w('total', lang)} {total:.1f}", value=shown_total, min=lo, max=hi, step=step,
                               on_value=on_total).key(f"total|{key}")
            UserInputs({f: {"type": "SliderFloat", "label": f"{i18n.FAMILY[lang][f]} {v:.1f}",
                            "value": shown_budget[f], "min": budget_range[f][0], "max": budget_range[f][1],
                            "step": budget_range[f][2]} for f, v in budgets.items()},
                       on_change=on_budget).key(f"budgets|{key}")
            solara.Markdown(f"**{w('assumptions', lang)}**")
            values = assumption_values
            UserInputs({p.name: {"type": "SliderFloat", "label": f"{param_label(p.name, lang)} {values[p.name]:.3g}",
                                 "value": shown_assumption[p.name], "min": p.low, "max": p.high,
                                 "step": assumption_range[p.name][2]} for p in ASSUMPTION_PARAMS},
                       on_change=on_assumption).key(f"assumptions|{key}")
            solara.SliderInt(f"{w('replicates', lang)} {setting.replicates}", value=setting.replicates, min=2,
                             max=MAX_REPLICATES, on_value=lambda v: set_setting(replace(setting, replicates=v)))
            solara.Button(w("reset", lang), on_click=lambda: set_setting(Setting(params=params,
                                                                                 replicates=setting.replicates)),
                          text=True)
    if not loaded:
        return
    solara.Markdown(f"## {w('title', lang)} — {loaded.scenario.name}\n"
                    f"{w('subtitle' if plan.targets else 'subtitle_no_target', lang, year=plan.target_year)} · "
                    f"{w('params_note', lang, src=setting.params)}")
    with solara.Row():
        busy = job.state == "running"
        solara.Button(w("cancel", lang) if busy else w("run", lang), on_click=run_or_cancel,
                      color="error" if busy else "primary", classes=["innosim-run"])
        if busy:
            solara.ProgressLinear(value=100 * job.done / max(job.total, 1))
            solara.Text(w("progress", lang, done=job.done, total=job.total), classes=["innosim-progress"])
        elif job.state == "cancelled":
            solara.Warning(w("cancelled", lang))
        elif job.state == "failed":
            solara.Error(w("failed", lang, error=job.error))
    if job.result is None or job.state != "done":
        if job.state == "idle":
            solara.Info(w("no_run", lang))
        Kept(kept, lang, lambda i: set_kept([k for j, k in enumerate(kept) if j != i]))
        return
    out, card_rows, _ = job.result
    year = plan.target_year
    with solara.Row(style={"flex-wrap": "wrap"}, classes=["innosim-cards"]):
        for row in card_rows.to_dict("records"):
            Card(row, lang, year)
    with solara.Row():
        def keep():
            entry = {"name": out.scenario.name, "total": sum(setting.budgets.get(f, v)
                                                             for f, v in base_budgets.items()),
                     "changes": changes(loaded, setting, lang), "cards": card_rows.to_dict("records")}
            set_kept([*kept, entry][-MAX_SETTINGS:])

        def export_folder():
            try:
                set_written(str(write_results(out, lang, out_base, workers)))
            except (InputError, OSError, RuntimeError) as e:  # shown on the page, not lost in the server log
                set_written(f"error: {e}")

        solara.Button(w("keep", lang), on_click=keep, classes=["innosim-keep"])
        solara.FileDownload(scenario_yaml(out.scenario), filename=f"{out.scenario.name}.yaml",
                            label=w("export_yaml", lang))
        solara.Button(w("export_folder", lang), on_click=export_folder, classes=["innosim-export"])
    if written:
        solara.Text(w("written", lang, path=written), classes=["innosim-written"])
    Kept(kept, lang, lambda i: set_kept([k for j, k in enumerate(kept) if j != i]))
    if pics:
        solara.Markdown(f"### {w('fans' if plan.targets else 'fans_no_target', lang)}")
        with solara.GridFixed(columns=2):
            for k in plan.headline:
                solara.Image(pics["fans"][k], width="100%")
        solara.Markdown(f"### {w('spending', lang)}")
        solara.Image(pics["spend"], width="80%")
