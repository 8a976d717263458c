"""Lumpiness of registered technology-contract turnover (技术合同成交额) across Chinese places.

Reads turnover_panel.csv (same folder) and prints, for every series with at least four
consecutive annual values, the annual log growth; then, pooled over places, the spread of
annual log growth around each place's own mean growth, the share of large deviations, the
lag-1 autocorrelation of the deviations (do jumps persist as level shifts or revert?), and
what happens in the year after a large jump.

Only one source is used per place (no mixing of bases within a series):
  * cities      : the four provincial-level municipalities (Beijing, Shanghai, Tianjin,
                  Chongqing) from the S&T statistical yearbook, seller-location basis (Y1),
                  2015-2023, plus Guangzhou from news reports (T12-T14), 2017-2021;
  * provinces   : the other 27 provinces, Y1, 2015-2023 (zero values dropped);
  * robustness  : the same places on the buyer-location basis (Y2); only registries that
                  never fall below 50 (100m yuan); deviations also net of year effects.
Qingdao (2020-2024, partly derived) is shown for comparison and kept out of every pool.

Run:  python calibration/data/turnover_panel.py   (a Python with numpy + pandas, e.g. the project venv; ~1 min)
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
MUNICIPALITIES = ["Beijing", "Shanghai", "Tianjin", "Chongqing"]
BIG_JUMP = 0.3          # |deviation of annual log growth| counted as a large jump
MIN_LEVEL = 50.0        # 100m yuan; the "large registries" robustness filter
RNG = np.random.default_rng(20261124)


def load() -> pd.DataFrame:
    df = pd.read_csv(HERE / "turnover_panel.csv")
    df = df[df["unit"] == "100m_yuan"]
    return df


def series(df: pd.DataFrame, place: str, source_ids: list[str],
           kinds=("actual", "derived", "lower_bound")) -> pd.Series:
    """Annual values of one place from the given sources (first source wins per year), positive only."""
    sub = df[(df["place"] == place) & (df["source_id"].isin(source_ids)) & (df["kind"].isin(kinds))]
    sub = sub.assign(order=sub["source_id"].map({s: i for i, s in enumerate(source_ids)}))
    sub = sub.sort_values(["year", "order"]).drop_duplicates("year")
    s = sub.set_index("year")["value"].astype(float)
    return s[s > 0]


def consecutive_growth(s: pd.Series) -> pd.Series:
    """Annual log growth over the longest run of consecutive years (needs >= 4 values)."""
    years = sorted(s.index)
    runs, run = [], [years[0]] if years else []
    for y in years[1:]:
        if y == run[-1] + 1:
            run.append(y)
        else:
            runs.append(run)
            run = [y]
    if run:
        runs.append(run)
    best = max(runs, key=len) if runs else []
    if len(best) < 4:
        return pd.Series(dtype=float)
    v = s.loc[best]
    g = np.log(v).diff().dropna()
    return g


def deviations(growth: dict[str, pd.Series], year_effects: bool = False) -> dict[str, pd.Series]:
    """Deviation of each place's annual log growth from its own mean (optionally also net of year means)."""
    long = pd.concat({p: g for p, g in growth.items()}, names=["place", "year"]).rename("g").reset_index()
    long["d"] = long["g"] - long.groupby("place")["g"].transform("mean")
    if year_effects:
        for _ in range(50):  # alternating projections for two-way demeaning of an unbalanced panel
            long["d"] -= long.groupby("year")["d"].transform("mean")
            long["d"] -= long.groupby("place")["d"].transform("mean")
    return {p: grp.set_index("year")["d"] for p, grp in long.groupby("place")}


def pooled_stats(dev: dict[str, pd.Series], n_fixed_per_place: int = 1) -> dict:
    d_all = np.concatenate([d.values for d in dev.values()])
    n, k = len(d_all), len(dev)
    sd_plain = float(np.sqrt(np.mean(d_all ** 2)))
    sd_dof = float(np.sqrt(np.sum(d_all ** 2) / max(n - n_fixed_per_place * k, 1)))
    mad = float(1.4826 * np.median(np.abs(d_all - np.median(d_all))))
    share_big = float(np.mean(np.abs(d_all) > BIG_JUMP))
    # lag-1 autocorrelation within place, pooled
    x, y = [], []
    for d in dev.values():
        d = d.sort_index()
        for (y0, a), (y1, b) in zip(list(d.items())[:-1], list(d.items())[1:], strict=True):
            if y1 == y0 + 1:
                x.append(a)
                y.append(b)
    x, y = np.array(x), np.array(y)
    rho = float(np.sum(x * y) / np.sqrt(np.sum(x ** 2) * np.sum(y ** 2))) if len(x) > 2 else float("nan")
    # after a large jump: next year's deviation and the share of the jump kept after one year
    up = [(a, b) for a, b in zip(x, y, strict=True) if a > BIG_JUMP]
    down = [(a, b) for a, b in zip(x, y, strict=True) if a < -BIG_JUMP]
    kept_up = float(np.median([(a + b) / a for a, b in up])) if up else float("nan")
    kept_down = float(np.median([(a + b) / a for a, b in down])) if down else float("nan")
    next_up = float(np.mean([b for _, b in up])) if up else float("nan")
    next_down = float(np.mean([b for _, b in down])) if down else float("nan")
    q = np.quantile(d_all, [0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95])
    return dict(places=k, place_years=n, pairs=len(x), sd=sd_plain, sd_dof=sd_dof, sd_robust=mad,
                share_big=share_big, rho=rho, n_up=len(up), next_up=next_up, kept_up=kept_up,
                n_down=len(down), next_down=next_down, kept_down=kept_down, quantiles=q)


def null_rho(dev: dict[str, pd.Series], model: str, reps: int = 1500) -> float:
    """Expected pooled lag-1 autocorrelation of demeaned growth for panels of the same shape.

    model 'rw'  : log level = random walk with drift (growth iid)          -> jumps persist;
    model 'iid' : log level = trend + iid noise (growth = MA(1), rho = -1/2) -> jumps revert.
    The short series make the demeaned estimate biased downwards, so compare with these.
    """
    lengths = [len(d) for d in dev.values()]
    out = []
    for _ in range(reps):
        out.append(pooled_rho([RNG.standard_normal(T) if model == "rw" else np.diff(RNG.standard_normal(T + 1))
                               for T in lengths]))
    return float(np.mean(out))


def pooled_rho(panel: list[np.ndarray]) -> float:
    """Pooled lag-1 autocorrelation of the series in ``panel``, each demeaned first."""
    num = dx = dy = 0.0
    for g in panel:
        g = g - g.mean()
        a, b = g[:-1], g[1:]
        num += float(np.sum(a * b))
        dx += float(np.sum(a * a))
        dy += float(np.sum(b * b))
    return num / math.sqrt(dx * dy)


def _level_growth(T: int, q: float) -> np.ndarray:
    """T growth deviations of a local-level series whose transitory share of variance is ``q``."""
    u = RNG.standard_normal(T) * math.sqrt(1 - q)
    e = RNG.standard_normal(T + 1) * math.sqrt(q / 2)
    return u + np.diff(e)


def local_level(dev: dict[str, pd.Series], rho_hat: float, sd_dof: float,
                reps: int = 600) -> tuple[float, float, float]:
    """Split the deviations into a permanent (random-walk) and a transitory part.

    Model: log level = trend + w_t + e_t, w a random walk with innovations of SD s_u (level
    shifts that persist), e iid with SD s_e (spikes that revert).  Growth deviations are then
    u_t + e_t - e_{t-1}: variance s_u^2 + 2 s_e^2, lag-1 autocorrelation -s_e^2 / (s_u^2 + 2 s_e^2)
    in [-1/2, 0].  The demeaned short-panel estimate is biased, so the share of transitory
    variance is found by simulating panels of the same shape over a grid and matching rho_hat.
    Returns (s_u, s_e, true lag-1 autocorrelation).
    """
    lengths = [len(d) for d in dev.values()]
    grid = np.linspace(0.0, 1.0, 11)          # q = 2 s_e^2 / total variance
    expected = []
    for q in grid:
        vals = []
        for _ in range(reps):
            vals.append(pooled_rho([_level_growth(T, q) for T in lengths]))
        expected.append(float(np.mean(vals)))
    expected = np.array(expected)               # decreasing in q
    if rho_hat >= expected[0]:
        q = 0.0
    elif rho_hat <= expected[-1]:
        q = 1.0
    else:
        q = float(np.interp(-rho_hat, -expected, grid))
    total = sd_dof ** 2
    s_e = math.sqrt(q * total / 2)
    s_u = math.sqrt((1 - q) * total)
    return s_u, s_e, -q / 2


def loo_dev(growth: dict[str, pd.Series]) -> np.ndarray:
    """Deviation of each annual log growth from the mean of the same place's other years."""
    out = []
    for g in growth.values():
        n = len(g)
        if n < 2:
            continue
        tot = g.sum()
        out.extend(((g - (tot - g) / (n - 1))).values)
    return np.array(out)


def fmt_growth(g: pd.Series) -> str:
    return ", ".join(f"{y}: {v:+.2f}" for y, v in g.items())


def report(name: str, growth: dict[str, pd.Series], year_effects: bool = False) -> dict:
    dev = deviations(growth, year_effects=year_effects)
    st = pooled_stats(dev, n_fixed_per_place=1)
    st["null_rw"] = null_rho(dev, "rw")
    st["null_iid"] = null_rho(dev, "iid")
    q = st["quantiles"]
    print(f"\n## {name}{' (net of year effects)' if year_effects else ''}")
    print(f"places {st['places']}, place-years (growth obs.) {st['place_years']}, adjacent pairs {st['pairs']}")
    print(f"SD of deviation: {st['sd']:.3f} (dof-corrected {st['sd_dof']:.3f}; robust MAD-based {st['sd_robust']:.3f})")
    print(f"share |dev| > {BIG_JUMP}: {st['share_big']:.2f}")
    print("quantiles of dev (5,10,25,50,75,90,95%): " + ", ".join(f"{v:+.2f}" for v in q))
    print(f"lag-1 autocorrelation of dev: {st['rho']:+.2f}  (expected if level shifts persist [random walk]: "
          f"{st['null_rw']:+.2f}; if jumps fully revert [iid level noise]: {st['null_iid']:+.2f})")
    print(f"after a jump > +{BIG_JUMP} (n={st['n_up']}): mean next-year dev {st['next_up']:+.2f}, "
          f"median share of the jump kept after one year {st['kept_up']:.2f}")
    print(f"after a fall < -{BIG_JUMP} (n={st['n_down']}): mean next-year dev {st['next_down']:+.2f}, "
          f"median share of the fall kept after one year {st['kept_down']:.2f}")
    s_u, s_e, rho_true = local_level(dev, st["rho"], st["sd_dof"])
    st.update(s_u=s_u, s_e=s_e, rho_true=rho_true)
    print(f"local-level split (bias-matched): permanent level-shift SD {s_u:.3f}, transitory spike SD {s_e:.3f} "
          f"(implied lag-1 autocorrelation {rho_true:+.2f})")
    return st


def main() -> None:
    df = load()
    places_y1 = sorted(set(df.loc[df["source_id"] == "Y1", "place"]) - {"China"})
    provinces = [p for p in places_y1 if p not in MUNICIPALITIES]

    g_city = {p: consecutive_growth(series(df, p, ["Y1"])) for p in MUNICIPALITIES}
    g_city["Guangzhou"] = consecutive_growth(series(df, "Guangzhou", ["T12", "T13", "T14"], kinds=("actual",)))
    g_prov = {p: consecutive_growth(series(df, p, ["Y1"])) for p in provinces}
    g_prov = {p: g for p, g in g_prov.items() if len(g) >= 3}
    g_city_y2 = {p: consecutive_growth(series(df, p, ["Y2"])) for p in MUNICIPALITIES}
    g_prov_y2 = {p: consecutive_growth(series(df, p, ["Y2"])) for p in provinces}
    g_prov_y2 = {p: g for p, g in g_prov_y2.items() if len(g) >= 3}

    def large(groups: dict[str, pd.Series], source: str) -> dict[str, pd.Series]:
        keep = {}
        for p, g in groups.items():
            if p == "Guangzhou":
                keep[p] = g
                continue
            s = series(df, p, [source])
            if s.min() >= MIN_LEVEL:
                keep[p] = g
        return keep

    print("# Annual log growth of registered technology-contract turnover, by place")
    nat = consecutive_growth(series(df, "China", ["Y1"]))
    print(f"China (Y1): {fmt_growth(nat)}")
    for p, g in {**g_city, **g_prov}.items():
        print(f"{p}: {fmt_growth(g)}")
    qd = series(df, "Qingdao", ["T40", "T41", "T38", "T39"], kinds=("actual", "derived", "lower_bound"))
    g_qd = np.log(qd).diff().dropna()
    print(f"Qingdao (T38-T41; 2022 is the lower bound 395; not pooled): {fmt_growth(g_qd)}")

    results = {}
    results["cities"] = report("Cities: 4 municipalities (Y1) + Guangzhou (news)", g_city)
    results["provinces"] = report("Provinces (Y1, 27)", g_prov)
    results["all"] = report("Cities + provinces (Y1 + Guangzhou)", {**g_city, **g_prov})
    results["all_fe"] = report("Cities + provinces (Y1 + Guangzhou)", {**g_city, **g_prov}, year_effects=True)
    big = large({**g_city, **g_prov}, "Y1")
    title = f"Large registries only (every Y1 value >= {MIN_LEVEL:.0f})"
    results["large"] = report(title, big)
    results["large_fe"] = report(title, big, year_effects=True)
    results["large_no_cq"] = report("Large registries without Chongqing",
                                    {p: g for p, g in big.items() if p != "Chongqing"})
    results["y2"] = report("Buyer-location basis (Y2), municipalities + provinces", {**g_city_y2, **g_prov_y2})

    # Where does Qingdao's 2023 sit?  Deviation of its 2023 log growth from its own 2021-2024 mean.
    qd_dev = g_qd - g_qd.mean()
    print("\n## Qingdao for comparison (not pooled)")
    print(f"deviations from own mean growth {g_qd.mean():+.2f}: {fmt_growth(qd_dev)}")
    dev_all = deviations({**g_city, **g_prov})
    d_all = np.concatenate([d.values for d in dev_all.values()])
    x = float(qd_dev.loc[2023])
    print(f"share of pooled place-years (cities + provinces) with dev >= {x:.2f}: {np.mean(d_all >= x):.3f}; "
          f"with |dev| >= {x:.2f}: {np.mean(np.abs(d_all) >= x):.3f}")
    # leave-one-out: 2023 growth against Qingdao's other years, and against its 2017-2020 trend
    loo_q = float(g_qd.loc[2023] - g_qd.drop(2023).mean())
    trend_1720 = math.log(float(qd.loc[2020]) / 126.66) / 3
    print(f"Qingdao 2023 log growth {g_qd.loc[2023]:+.2f}; minus mean of its other years {loo_q:+.2f}; "
          f"minus its 2017-2020 trend ({trend_1720:+.2f}/yr) {g_qd.loc[2023] - trend_1720:+.2f}")
    for nm, grp in (("cities + provinces", {**g_city, **g_prov}), ("large registries", big)):
        ld = loo_dev(grp)
        print(f"{nm}: leave-one-out deviations, n={len(ld)}, SD {ld.std(ddof=0):.3f}; share >= {loo_q:.2f}: "
              f"{np.mean(ld >= loo_q):.3f}; share |.| >= {loo_q:.2f}: {np.mean(np.abs(ld) >= loo_q):.3f}")


if __name__ == "__main__":
    main()
