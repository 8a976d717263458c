"""Every word the explore page shows, in Chinese and English (chart words come from ``experiments.report.i18n``)."""

from __future__ import annotations

from innosim.experiments.report import i18n
from innosim.model.parameters import BY_NAME

WORDS: dict[str, dict[str, str]] = {
    "title": {"zh": "innosim 政策推演", "en": "innosim explore"},
    "subtitle": {"zh": "调整预算与假设，查看{year}年目标达成概率",
                 "en": "Change budgets and assumptions; see the {year} targets"},
    "subtitle_no_target": {"zh": "调整预算与假设，查看各项指标至{year}年的走势（规划未设定目标）",
                           "en": "Change budgets and assumptions; see where the indicators head by {year} "
                                 "(the plan sets no target)"},
    "scenario": {"zh": "情景", "en": "Scenario"},
    "scenario_path": {"zh": "或情景文件路径", "en": "or a scenario file path"},
    "load": {"zh": "载入", "en": "Load"},
    "city": {"zh": "城市", "en": "City"},
    "budgets": {"zh": "{start}–{end}年各类政策预算（亿元/年）", "en": "Budgets {start}–{end} (亿元/yr)"},
    "total": {"zh": "合计", "en": "Total"},
    "assumptions": {"zh": "关键假设", "en": "Key assumptions"},
    "replicates": {"zh": "重复次数", "en": "Replicates"},
    "seed": {"zh": "随机种子", "en": "Seed"},
    "run": {"zh": "运行", "en": "Run"},
    "cancel": {"zh": "取消", "en": "Cancel"},
    "reset": {"zh": "恢复情景原值", "en": "Reset to scenario"},
    "progress": {"zh": "运行中：{done}/{total}", "en": "Running: {done}/{total}"},
    "cancelled": {"zh": "已取消", "en": "Cancelled"},
    "failed": {"zh": "运行失败：{error}", "en": "Run failed: {error}"},
    "p_met": {"zh": "达标概率", "en": "P(met)"},
    "no_target": {"zh": "规划未设定目标", "en": "no target in the plan"},
    "median": {"zh": "{year}年中位数", "en": "{year} median"},
    "band": {"zh": "90%区间", "en": "90% band"},
    "change": {"zh": "相对原情景", "en": "vs unchanged"},
    "target": {"zh": "目标 > {v}", "en": "target > {v}"},
    "fans": {"zh": "预测与目标", "en": "Projections against the targets"},
    "fans_no_target": {"zh": "预测", "en": "Projections"},
    "spending": {"zh": "各政策工具：预算与实际拨付", "en": "Spending per instrument against budget"},
    "keep": {"zh": "保留本设置以对比", "en": "Keep for comparison"},
    "kept": {"zh": "对比（最多{n}组）", "en": "Side by side (up to {n})"},
    "remove": {"zh": "移除", "en": "Remove"},
    "export": {"zh": "导出", "en": "Export"},
    "export_yaml": {"zh": "下载情景YAML", "en": "Download scenario YAML"},
    "export_folder": {"zh": "写入结果文件夹", "en": "Write results folder"},
    "written": {"zh": "已写入：{path}", "en": "Written: {path}"},
    "params_note": {"zh": "参数：{src}", "en": "Parameters: {src}"},
    "all": {"zh": "五项全部达成", "en": "All five met"},
    "no_run": {"zh": "按“运行”开始（与原情景配对运行，相同随机数）",
               "en": "Press Run (paired with the unchanged scenario on the same random numbers)"},
    "setting": {"zh": "设置{i}", "en": "Setting {i}"},
    "language": {"zh": "English", "en": "中文"},
}


def w(key: str, lang: str, **kw) -> str:
    """The page text ``key`` in ``lang`` ('zh' or 'en') with ``{placeholders}`` filled."""
    return WORDS[key][lang].format(**kw)


def param_label(name: str, lang: str) -> str:
    """A parameter as an assumption slider names it: in Chinese the briefing's name (``i18n.PARAM_ZH``); in
    English — and in Chinese for a parameter without one — its description in ``model/parameters.py`` up to the
    first parenthesis, capitalised; the identifier itself only for an undeclared name."""
    if lang == "zh" and name in i18n.PARAM_ZH:
        return i18n.PARAM_ZH[name]
    p = BY_NAME.get(name)
    if p is None or not p.description.strip():
        return name
    text = p.description.split(" (", 1)[0].strip()
    return text[:1].upper() + text[1:]
