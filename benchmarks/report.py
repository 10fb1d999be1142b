"""Headline figures of a benchmark run, their FTS5 ratios and targets, as a table.

A ratio is analysis-search's figure divided by FTS5's for the same thing: for
latencies and sizes below 1 is better than FTS5, for rates above 1 is better. FTS5
runs in-process (no HTTP, no facets, no snippets of several fields), so the latency
ratios include the cost of the HTTP layer and of everything FTS5 does not do.
"""

from __future__ import annotations

import math
from typing import Any

from benchmarks.queries import ALL_KINDS, SEARCH_KINDS

#: Targets of the issue at 10,000 articles on the 2-core machine: (op, value).
TARGETS: dict[str, tuple[str, float]] = {
    "search_with_facets_p50_ms": ("<=", 15.0),
    "search_with_facets_p99_ms": ("<=", 60.0),
    "suggest_p99_ms": ("<=", 10.0),
    "related_p99_ms": ("<=", 60.0),
    "throughput_c8_rps": (">=", 200.0),
    "index_pages_per_s": (">=", 80.0),
    "rerun_unchanged_s": ("<=", 10.0),
    "server_peak_memory_mb": ("<=", 400.0),
}


def _get(d: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(d, dict) or key not in d:
            return math.nan
        d = d[key]
    return d


def _ratio(ours: float, base: float) -> float:
    try:
        return round(ours / base, 2) if base and not math.isnan(base) else math.nan
    except TypeError:
        return math.nan


def _figure(
    name: str, value: Any, unit: str, base: Any = math.nan, note: str = ""
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "value": value, "unit": unit}
    if isinstance(base, int | float) and not math.isnan(base):
        out["fts5"] = base
        out["ratio_to_fts5"] = _ratio(value, base)
    if name in TARGETS:
        op, target = TARGETS[name]
        out["target"] = f"{op} {target:g}"
        ok = value <= target if op == "<=" else value >= target
        out["met"] = bool(ok) if isinstance(value, int | float) else False
    if note:
        out["note"] = note
    return out


def figures(n: int, result: dict[str, Any]) -> list[dict[str, Any]]:
    """The headline figures of one size (see the module docstring for ratios)."""
    idx = result["indexing"]
    http = result["http"]
    base = result["fts5"]
    build = base["build"]
    fts_rate = (
        round(build["documents"] / build["seconds"], 1) if build["seconds"] else 0
    )
    out = [
        _figure(
            "index_pages_per_s",
            idx["first_run"]["pages_per_second"],
            "pages/s",
            fts_rate,
            "HTML pages, parsing included; FTS5 gets pre-extracted documents",
        ),
        _figure(
            "index_jsonl_docs_per_s",
            idx["jsonl_run"]["docs_per_second"],
            "docs/s",
            fts_rate,
            "the same fielded documents through index --jsonl",
        ),
        _figure(
            "index_cpu_ms_per_page",
            round(1000 * idx["first_run"]["cpu_seconds"] / n, 1),
            "ms",
            note="CPU of the indexer and its parser processes (noise-resistant)",
        ),
        _figure("index_peak_memory_mb", idx["first_run"]["peak_tree_rss_mb"], "MB"),
        _figure("rerun_unchanged_s", idx["rerun_unchanged"]["seconds"], "s"),
        _figure(
            "index_size_mb",
            round(idx["index_bytes"] / 1e6, 1),
            "MB",
            round(build["bytes"] / 1e6, 1),
        ),
        _figure("server_startup_s", http["startup_seconds"], "s"),
        _figure("first_search_ms", http["first_search_ms"], "ms", note="cold caches"),
    ]
    for group in ("search_with_facets", "search"):
        for p in ("p50", "p95", "p99"):
            out.append(
                _figure(
                    f"{group}_{p}_ms",
                    _get(http, "c1", "groups", group, f"{p}_ms"),
                    "ms",
                    _get(base, "c1", "groups", "search", f"{p}_ms"),
                )
            )
    for kind in ALL_KINDS:
        fts_kind = kind in SEARCH_KINDS
        for p in ("p50", "p95", "p99"):
            out.append(
                _figure(
                    f"{kind}_{p}_ms",
                    _get(http, "c1", "by_kind", kind, f"{p}_ms"),
                    "ms",
                    _get(base, "c1", "by_kind", kind, f"{p}_ms") if fts_kind else None,
                )
            )
    for phase, label in (("c1", "c1"), ("c8", "c8"), ("c8_cached", "c8_cached")):
        out.append(
            _figure(
                f"throughput_{label}_rps",
                _get(http, phase, "throughput_rps"),
                "req/s",
                _get(base, phase, "throughput_rps") if phase != "c8_cached" else None,
            )
        )
    for p in ("p50", "p99"):
        out.append(
            _figure(
                f"search_with_facets_c8_{p}_ms",
                _get(http, "c8", "groups", "search_with_facets", f"{p}_ms"),
                "ms",
                _get(base, "c8", "groups", "search", f"{p}_ms"),
            )
        )
    for phase in ("c1", "c8"):
        out.append(
            _figure(
                f"server_cpu_ms_per_request_{phase}",
                _get(http, phase, "server_cpu_ms_per_request"),
                "ms",
                _get(base, phase, "cpu_ms_per_request"),
                note="CPU time of the server process / requests (noise-resistant)",
            )
        )
    out.append(
        _figure(
            "http_errors",
            sum(_get(http, ph, "errors") for ph in ("c1", "c8", "c8_cached")),
            "",
        )
    )
    out.append(_figure("server_peak_memory_mb", http["memory"]["peak_rss_mb"], "MB"))
    workers = result.get("workers") or {}
    for n in (1, 2):
        w = workers.get(f"workers_{n}")
        if not w:
            continue
        note = "wrk -c8, uncached, searches with facets"
        out.append(
            _figure(f"workers_{n}_rps", w["requests_per_second"], "req/s", note=note)
        )
        out.append(
            _figure(
                f"workers_{n}_cpu_ms_per_request",
                w["server_cpu_ms_per_request"],
                "ms",
                note="supervisor and workers summed",
            )
        )
        out.append(_figure(f"workers_{n}_p99_ms", w["latency_ms"].get("p99"), "ms"))
        out.append(
            _figure(
                f"workers_{n}_pss_mb",
                w["pss_mb"],
                "MB",
                note="summed PSS of the service",
            )
        )
    if workers.get("scaling_2_over_1") is not None:
        out.append(
            _figure("workers_scaling_2_over_1", workers["scaling_2_over_1"], "x")
        )
    return out


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def table(results: dict[str, Any]) -> str:
    """A plain-text table of every size's headline figures."""
    m = results["machine"]
    lines = [
        f"machine: {m['nproc']} cores, {m['cpu']}, Python {m['python']}, "
        f"SQLite {m['sqlite']}, {m['date']}"
    ]
    header = ("figure", "value", "unit", "FTS5", "ratio", "target", "met")
    for n, result in results["sizes"].items():
        rows = [header]
        for f in result["figures"]:
            met = f.get("met")
            rows.append(
                (
                    f["name"],
                    _fmt(f["value"]),
                    f["unit"],
                    _fmt(f.get("fts5")),
                    _fmt(f.get("ratio_to_fts5")),
                    f.get("target", ""),
                    "" if met is None else ("yes" if met else "NO"),
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines.append("")
        lines.append(f"{int(n):,} pages")
        for i, row in enumerate(rows):
            lines.append(
                "  ".join(
                    c.ljust(w) if j in (0, 2, 5) else c.rjust(w)
                    for j, (c, w) in enumerate(zip(row, widths, strict=True))
                ).rstrip()
            )
            if i == 0:
                lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    """The same table in Markdown (for ``benchmarks/RESULTS.md``)."""
    m = results["machine"]
    lines = [
        f"Machine: {m['nproc']} cores ({m['cpu']}), Python {m['python']}, "
        f"SQLite {m['sqlite']}, {m['platform']}; run started {m['date']}, load "
        f"average at start {', '.join(str(x) for x in m['load_average_at_start'])}.",
    ]
    lines += ["", *targets_markdown(results)]
    for n, result in results["sizes"].items():
        lines += [
            "",
            f"### {int(n):,} pages",
            "",
            "| figure | value | unit | FTS5 | ratio | target | met |",
            "| --- | ---: | --- | ---: | ---: | --- | --- |",
        ]
        for f in result["figures"]:
            met = f.get("met")
            cells = (
                f"`{f['name']}`",
                _fmt(f["value"]),
                f["unit"],
                _fmt(f.get("fts5")),
                _fmt(f.get("ratio_to_fts5")),
                f.get("target", ""),
                "" if met is None else ("yes" if met else "**no**"),
            )
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def targets_markdown(results: dict[str, Any]) -> list[str]:
    """Lines of a Markdown table: each target at the largest size, met or by how much
    it is missed."""
    if not results["sizes"]:
        return []
    n = max(results["sizes"], key=int)
    by_name = {f["name"]: f for f in results["sizes"][n]["figures"]}
    lines = [
        f"Targets at {int(n):,} pages:",
        "",
        "| figure | target | measured | met | missed by |",
        "| --- | --- | ---: | --- | ---: |",
    ]
    for name, (op, target) in TARGETS.items():
        f = by_name.get(name)
        if f is None:
            continue
        value = f["value"]
        missed = ""
        if not f.get("met") and isinstance(value, int | float) and target:
            factor = value / target if op == "<=" else target / max(value, 1e-9)
            missed = f"{factor:.1f}x"
        met = "yes" if f.get("met") else "**no**"
        cells = (f"`{name}`", f"{op} {target:g}", _fmt(value), met, missed)
        lines.append("| " + " | ".join(cells) + " |")
    return lines
