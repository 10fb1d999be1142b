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

#: Goals by corpus size on the 2-core machine: figure -> (compared, op, value).
#: ``compared`` is "value" (the figure itself) or a peer ("fts5", "tantivy"): then
#: the goal is on the figure's ratio to that peer's (latency 3.0: within 3x).
Target = tuple[str, str, float]
TARGETS: dict[int, dict[str, Target]] = {
    10_000: {
        "workers_1_cpu_ms_per_request": ("value", "<=", 6.0),
        "search_with_facets_p50_ms": ("value", "<=", 15.0),
        "search_with_facets_p99_ms": ("value", "<=", 45.0),
        "phrase_p50_ms": ("fts5", "<=", 3.0),
        "phrase_p99_ms": ("fts5", "<=", 3.0),
        "two_three_words_p99_ms": ("fts5", "<=", 1.5),
        "typo_p95_ms": ("value", "<=", 20.0),
        "suggest_p99_ms": ("value", "<=", 10.0),
        "related_p99_ms": ("value", "<=", 60.0),
        "workers_2_rps": ("value", ">=", 200.0),
        "index_pages_per_s": ("value", ">=", 80.0),
        "index_jsonl_docs_per_s": ("value", ">=", 120.0),
        "index_peak_memory_mb": ("value", "<=", 600.0),
        "rerun_unchanged_s": ("value", "<=", 10.0),
        "server_peak_memory_mb": ("value", "<=", 400.0),
    },
    100_000: {
        "search_with_facets_p99_ms": ("value", "<=", 150.0),
        "server_private_memory_mb": ("value", "<=", 1000.0),
        "rerun_unchanged_s": ("value", "<=", 30.0),
        "index_pages_per_s": ("value", ">=", 80.0),
    },
}
#: The peers, as named in result files and tables.
PEERS = {"fts5": "FTS5", "tantivy": "Tantivy"}


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
    name: str,
    value: Any,
    unit: str,
    peers: dict[str, Any] | None = None,
    note: str = "",
) -> dict[str, Any]:
    """One figure with the same figure of each peer that has it and the ratio."""
    out: dict[str, Any] = {"name": name, "value": value, "unit": unit}
    for peer, base in (peers or {}).items():
        if isinstance(base, int | float) and not math.isnan(base):
            out[peer] = base
            out[f"ratio_to_{peer}"] = _ratio(value, base)
    if note:
        out["note"] = note
    return out


def _judge(n: int, figures: list[dict[str, Any]]) -> None:
    """Mark each figure that has a goal at size ``n``: ``target``, ``met``."""
    goals = TARGETS.get(n, {})
    for f in figures:
        goal = goals.get(f["name"])
        if goal is None:
            continue
        compared, op, target = goal
        value = f["value"] if compared == "value" else f.get(f"ratio_to_{compared}")
        label = "" if compared == "value" else f"x {PEERS[compared]} "
        f["target"] = f"{op} {target:g}" if not label else f"{label}{op} {target:g}"
        ok = isinstance(value, int | float) and not math.isnan(value)
        f["met"] = bool(ok and (value <= target if op == "<=" else value >= target))


def figures(n: int, result: dict[str, Any]) -> list[dict[str, Any]]:
    """The headline figures of one size (see the module docstring for ratios)."""
    idx = result["indexing"]
    http = result["http"]
    peers = {p: result[p] for p in PEERS if p in result}

    def peer(*keys: str) -> dict[str, Any]:
        return {p: _get(r, *keys) for p, r in peers.items()}

    def rate(r: dict[str, Any]) -> float:
        build = r["build"]
        return (
            round(build["documents"] / build["seconds"], 1) if build["seconds"] else 0
        )

    rates = {p: rate(r) for p, r in peers.items()}
    sizes = {p: round(r["build"]["bytes"] / 1e6, 1) for p, r in peers.items()}
    out = [
        _figure(
            "index_pages_per_s",
            idx["first_run"]["pages_per_second"],
            "pages/s",
            rates,
            "HTML pages, parsing included; the peers get pre-extracted documents",
        ),
        _figure(
            "index_jsonl_docs_per_s",
            _get(idx, "jsonl_run", "docs_per_second"),
            "docs/s",
            rates,
            "the same fielded documents through index --jsonl",
        ),
        _figure(
            "index_cpu_ms_per_page",
            round(1000 * idx["first_run"]["cpu_seconds"] / n, 1),
            "ms",
            note="CPU of the indexer and its parser processes (noise-resistant)",
        ),
        _figure(
            "index_peak_memory_mb",
            idx["first_run"].get("peak_tree_pss_mb", math.nan),
            "MB",
            note="summed PSS of the indexer's processes (shared pages once)",
        ),
        _figure(
            "index_peak_rss_sum_mb",
            idx["first_run"]["peak_tree_rss_mb"],
            "MB",
            note="summed RSS: pages shared by several processes counted in each",
        ),
        _figure("rerun_unchanged_s", idx["rerun_unchanged"]["seconds"], "s"),
        _figure("index_size_mb", round(idx["index_bytes"] / 1e6, 1), "MB", sizes),
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
                    peer("c1", "groups", "search", f"{p}_ms"),
                )
            )
    for kind in ALL_KINDS:
        for p in ("p50", "p95", "p99"):
            out.append(
                _figure(
                    f"{kind}_{p}_ms",
                    _get(http, "c1", "by_kind", kind, f"{p}_ms"),
                    "ms",
                    peer("c1", "by_kind", kind, f"{p}_ms")
                    if kind in SEARCH_KINDS
                    else {},
                )
            )
    for phase in ("c1", "c8", "c8_cached"):
        out.append(
            _figure(
                f"throughput_{phase}_rps",
                _get(http, phase, "throughput_rps"),
                "req/s",
                peer(phase, "throughput_rps") if phase != "c8_cached" else {},
            )
        )
    for p in ("p50", "p99"):
        out.append(
            _figure(
                f"search_with_facets_c8_{p}_ms",
                _get(http, "c8", "groups", "search_with_facets", f"{p}_ms"),
                "ms",
                peer("c8", "groups", "search", f"{p}_ms"),
            )
        )
    for phase in ("c1", "c8"):
        out.append(
            _figure(
                f"server_cpu_ms_per_request_{phase}",
                _get(http, phase, "server_cpu_ms_per_request"),
                "ms",
                peer(phase, "cpu_ms_per_request"),
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
    memory = http["memory"]
    out.append(_figure("server_peak_memory_mb", memory["peak_rss_mb"], "MB"))
    out.append(
        _figure(
            "server_private_memory_mb",
            memory.get("rss_anon_mb", math.nan),
            "MB",
            note="RssAnon after the query phases: the memory-mapped index not counted",
        )
    )
    workers = result.get("workers") or {}
    for k in (1, 2):
        w = workers.get(f"workers_{k}")
        if not w:
            continue
        note = "wrk -c8, uncached, searches with facets"
        out.append(
            _figure(f"workers_{k}_rps", w["requests_per_second"], "req/s", note=note)
        )
        out.append(
            _figure(
                f"workers_{k}_cpu_ms_per_request",
                w["server_cpu_ms_per_request"],
                "ms",
                note="supervisor and workers summed",
            )
        )
        out.append(_figure(f"workers_{k}_p99_ms", w["latency_ms"].get("p99"), "ms"))
        out.append(
            _figure(
                f"workers_{k}_pss_mb",
                w["pss_mb"],
                "MB",
                note="summed PSS of the service",
            )
        )
    if workers.get("scaling_2_over_1") is not None:
        out.append(
            _figure("workers_scaling_2_over_1", workers["scaling_2_over_1"], "x")
        )
    _judge(n, out)
    return out


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def _row(f: dict[str, Any]) -> tuple[str, ...]:
    met = f.get("met")
    return (
        f["name"],
        _fmt(f["value"]),
        f["unit"],
        _fmt(f.get("fts5")),
        _fmt(f.get("ratio_to_fts5")),
        _fmt(f.get("tantivy")),
        _fmt(f.get("ratio_to_tantivy")),
        f.get("target", ""),
        "" if met is None else ("yes" if met else "NO"),
    )


HEADER = (
    "figure",
    "value",
    "unit",
    "FTS5",
    "ratio",
    "Tantivy",
    "ratio",
    "target",
    "met",
)


def table(results: dict[str, Any]) -> str:
    """A plain-text table of every size's headline figures."""
    m = results["machine"]
    lines = [
        f"machine: {m['nproc']} cores, {m['cpu']}, Python {m['python']}, "
        f"SQLite {m['sqlite']}, {m['date']}"
    ]
    for n, result in results["sizes"].items():
        rows = [HEADER, *(_row(f) for f in result["figures"])]
        widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
        lines.append("")
        lines.append(f"{int(n):,} pages")
        for i, row in enumerate(rows):
            lines.append(
                "  ".join(
                    c.ljust(w) if j in (0, 2, 7) else c.rjust(w)
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
            "| " + " | ".join(HEADER) + " |",
            "| --- | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |",
        ]
        for f in result["figures"]:
            cells = list(_row(f))
            cells[0] = f"`{cells[0]}`"
            cells[-1] = cells[-1].replace("NO", "**no**")
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def targets_markdown(results: dict[str, Any]) -> list[str]:
    """Lines of a Markdown table: each goal of each size, met or by how much it is
    missed."""
    lines: list[str] = []
    for n, result in results["sizes"].items():
        goals = TARGETS.get(int(n), {})
        by_name = {f["name"]: f for f in result["figures"]}
        rows = []
        for name in goals:
            f = by_name.get(name)
            if f is None or "target" not in f:
                continue
            compared, op, target = goals[name]
            value = f["value"] if compared == "value" else f.get(f"ratio_to_{compared}")
            missed = ""
            if not f.get("met") and isinstance(value, int | float) and target:
                factor = value / target if op == "<=" else target / max(value, 1e-9)
                missed = f"{factor:.1f}x"
            shown = _fmt(value) if compared == "value" else f"{_fmt(value)}x"
            met = "yes" if f.get("met") else "**no**"
            rows.append(
                "| " + " | ".join((f"`{name}`", f["target"], shown, met, missed)) + " |"
            )
        if rows:
            lines += [
                f"Goals at {int(n):,} pages:",
                "",
                "| figure | goal | measured | met | missed by |",
                "| --- | --- | ---: | --- | ---: |",
                *rows,
                "",
            ]
    return lines
