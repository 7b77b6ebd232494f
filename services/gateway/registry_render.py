"""Readable tables of `models.py` answers (list, show, compare, promote, rollback)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

_VERDICT_STYLE = {"PASSED": "green", "FAILED": "red"}
SHORT_TEXT = 40
"""Longer text metadata (definitions, split methods) is left to `show --json`."""


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return escape(str(value))


def _verdict(value: str | None) -> str:
    if value is None:
        return "-"
    style = _VERDICT_STYLE.get(value, "yellow")
    return f"[{style}]{escape(value)}[/]"


def render_list(console: Console, answer: Mapping[str, Any]) -> None:
    """One row per version (its id holds its creation time): trigger, gates, headline figure, alias."""
    versions = answer["versions"]
    labels = sorted({k for v in versions for k in v.get("metrics", {})})
    table = Table(title=f"{answer['model']}: {len(versions)} version(s)", title_justify="left")
    table.add_column("version (created UTC)", no_wrap=True)
    for col in ("trigger", "gates", *labels, "alias"):
        table.add_column(col)
    for v in versions:
        alias = "production" if v.get("is_production") else ("previous" if v.get("is_previous") else "")
        table.add_row(
            escape(v["version"]), _fmt(v.get("trigger")),
            _verdict(v.get("gates_verdict")), *(_fmt(v.get("metrics", {}).get(k)) for k in labels),
            f"[bold]{alias}[/]" if alias else "",
        )  # fmt: skip
    console.print(table)
    if not versions:
        console.print("no version registered")


def render_show(console: Console, answer: Mapping[str, Any]) -> None:
    """The version's facts, its scalar metrics, and the promotions and rollbacks that named it."""
    meta = answer.get("metadata") or {}
    role = "production" if answer["is_production"] else ("previous" if answer["is_previous"] else "kept")
    console.print(
        f"[bold]{escape(answer['model'])} {escape(answer['version'])}[/] ({role}), created "
        f"{_fmt(answer['created_at'])} by {_fmt(answer.get('trigger'))}; gates {_verdict(answer['gates_verdict'])}"
    )
    metrics = meta.get("metrics") or {}
    scalars = {
        k: v
        for k, v in metrics.items()
        if isinstance(v, int | float | None) or (isinstance(v, str) and len(v) <= SHORT_TEXT)
    }
    if scalars:
        table = Table(title="Recorded test metrics", title_justify="left")
        table.add_column("metric")
        table.add_column("value")
        for key, value in scalars.items():
            table.add_row(escape(key), _fmt(value))
        console.print(table)
    data = meta.get("training_data") or {}
    facts = {k: v for k, v in data.items() if isinstance(v, int | float | str) and k != "fingerprint_inputs"}
    if facts:
        console.print("training data: " + ", ".join(f"{k}={_fmt(v)}" for k, v in facts.items()))
    if answer.get("switches"):
        table = Table(title="Promotions and rollbacks to this version", title_justify="left")
        for col in ("when", "action", "actor", "forced", "previous", "reason"):
            table.add_column(col)
        for h in answer["switches"]:
            table.add_row(
                _fmt(h.get("promoted_at")), _fmt(h.get("action")), _fmt(h.get("actor", "unknown")),
                "yes" if h.get("forced") else "no", _fmt(h.get("previous")), _fmt(h.get("reason")),
            )  # fmt: skip
        console.print(table)


def render_compare(console: Console, answer: Mapping[str, Any]) -> None:
    """Each figure of A and B on the common set beside their own recorded ones."""
    a, b = answer["a"], answer["b"]
    common_a, common_b = a.get("on_common_set") or {}, b.get("on_common_set") or {}
    keys = list(dict.fromkeys([*common_b, *b.get("recorded", {}), *a.get("recorded", {})]))
    table = Table(title=f"{answer['model']}: A {a['version']} vs B {b['version']}", title_justify="left")
    for col in ("metric", "A on common set", "B on common set", "A recorded", "B recorded"):
        table.add_column(col)
    for key in keys:
        values = (common_a.get(key), common_b.get(key), a["recorded"].get(key), b["recorded"].get(key))
        if isinstance(values[0], dict | list) or isinstance(values[2], dict | list):
            continue
        table.add_row(escape(key), *(_fmt(v) for v in values))
    console.print(table)
    console.print(f"gates: A {_verdict(a.get('gates_verdict'))}, B {_verdict(b.get('gates_verdict'))}")
    common = answer.get("common_set")
    if common:
        console.print(f"common set: {escape(str(common.get('basis')))}")
        details = {k: v for k, v in common.items() if k not in {"basis", "split_method"}}
        console.print("  " + ", ".join(f"{k}={_fmt(v)}" for k, v in details.items()))
    else:
        console.print("[yellow]no common set[/]: recorded figures only")
    if answer.get("note"):
        console.print(f"note: {escape(str(answer['note']))}")


def render_switch(console: Console, answer: Mapping[str, Any]) -> None:
    """What was switched, by whom and why, and what production names now."""
    for switch in [answer, *answer.get("paired", [])]:
        verb = "promoted" if switch["action"] == "promote" else "rolled back to"
        if not switch["changed"]:
            console.print(f"{escape(switch['model'])} {escape(switch['version'])} already was production")
            continue
        forced = " [red](forced past failed gates)[/]" if switch["forced"] else ""
        console.print(
            f"{escape(switch['model'])}: {verb} {escape(switch['version'])} (previous "
            f"{_fmt(switch['previous'])}) by {escape(switch['actor'])}{forced}; gates "
            f"{_verdict(switch['gates_verdict'])}; reason: {escape(switch['reason'])}"
        )
    console.print(f"production {escape(answer['model'])}: [bold]{_fmt(answer.get('production'))}[/]")
    if answer.get("load_error"):
        console.print(f"[red]the service could not reload its models:[/] {escape(answer['load_error'])}")


def render(console: Console, command: str, answer: Mapping[str, Any]) -> None:
    """The table of one command's answer."""
    {
        "list": render_list,
        "show": render_show,
        "compare": render_compare,
        "promote": render_switch,
        "rollback": render_switch,
    }[command](console, answer)
