"""Turn pytest-benchmark JSON into ratio tables (and optionally a PNG chart).

    python bench/report.py results.json [--png out.png] [--markdown out.md] [--summary s.md]

For each benchmark group it prints the entries sorted by median time, with the speedup
against NumPy measured in the same run (NumPy's median / the entry's median: above 1 is
faster than NumPy), the speedup against the group's best peer (the fastest entry that is
neither concore's nor the read-bandwidth probe: NumPy, numexpr, numba, bottleneck), the
threads used and, for large inputs, the input read rate in GB/s. The header names the
machine the JSON came from. matplotlib is needed only for --png.
"""
import argparse
import json
import math
import sys

BASELINE = "numpy"
# Input bytes below this are call-overhead workloads: a GB/s figure would mean nothing.
MIN_BYTES_FOR_RATE = 1 << 20


def is_peer(entry):
    """True for the other libraries (NumPy included): not concore, not the bandwidth probe."""
    return not entry.startswith("concore") and entry != "read-bandwidth"


def best_peer(rows):
    """The fastest peer row of a group (rows sorted by median), or None."""
    return next((r for r in rows if is_peer(r["entry"])), None)


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------
def entry_name(bench):
    """The entry ("numpy", "concore-1t", ...) of one benchmark record."""
    extra = bench.get("extra_info") or {}
    if extra.get("entry"):
        return str(extra["entry"])
    param = bench.get("param")
    if param:
        return str(param).rsplit("/", 1)[-1]
    return str(bench.get("name", "?"))


def load(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if "benchmarks" not in data:
        raise SystemExit(f"{path}: not a pytest-benchmark JSON file (no 'benchmarks' key)")
    return data


def collect(data):
    """{group: [row, ...]} in the order groups first appear; rows sorted by median."""
    groups = {}
    for b in data["benchmarks"]:
        stats = b.get("stats") or {}
        median = stats.get("median")
        if median is None or not (median > 0):
            continue
        extra = b.get("extra_info") or {}
        row = {
            "entry": entry_name(b),
            "median": float(median),
            "iqr": float(stats.get("iqr", float("nan"))),
            "rounds": stats.get("rounds"),
            "iterations": stats.get("iterations"),
            "threads": extra.get("threads"),
            "impl": extra.get("impl", b.get("name", "")),
            "bytes": extra.get("bytes"),
            "suite": str(b.get("fullname", "")).split("::")[0],
        }
        groups.setdefault(b.get("group") or "(no group)", []).append(row)
    for rows in groups.values():
        rows.sort(key=lambda r: r["median"])
        base = next((r["median"] for r in rows if r["entry"] == BASELINE), None)
        peer = best_peer(rows)
        for r in rows:
            r["speedup"] = base / r["median"] if base else None
            r["vs_peer"] = peer["median"] / r["median"] if peer else None
            nbytes = r["bytes"]
            r["gbps"] = (
                nbytes / r["median"] / 1e9
                if isinstance(nbytes, (int, float)) and nbytes >= MIN_BYTES_FOR_RATE
                else None
            )
    return groups


def machine_header(data):
    """Lines describing where and when the numbers were measured."""
    mi = data.get("machine_info") or {}
    cpu = mi.get("cpu") or {}
    brand = cpu.get("brand_raw") or cpu.get("brand") or mi.get("processor") or "unknown CPU"
    cores = cpu.get("count")
    arch = cpu.get("arch_string_raw") or mi.get("machine") or ""
    flags = set(cpu.get("flags") or ())
    simd = [f for f in ("avx2", "fma", "avx512f") if f in flags]
    parts = [brand]
    if cores:
        parts.append(f"{cores} logical cores")
    if arch:
        parts.append(arch)
    if simd:
        parts.append("/".join(simd).upper())
    lines = ["Machine: " + ", ".join(parts)]
    system = " ".join(str(mi.get(k, "")) for k in ("system", "release")).strip()
    py = " ".join(
        str(x) for x in (mi.get("python_implementation"), mi.get("python_version")) if x
    )
    if system or py:
        lines.append("System: " + ", ".join(x for x in (system, py) if x))
    when = data.get("datetime")
    commit = (data.get("commit_info") or {}).get("id")
    dirty = (data.get("commit_info") or {}).get("dirty")
    tail = []
    if when:
        tail.append(f"{when[:19].replace('T', ' ')} UTC" if when.endswith("+00:00") else when)
    if commit and commit != "unknown":
        tail.append(f"commit {commit[:10]}{' (dirty)' if dirty else ''}")
    if tail:
        lines.append("Run: " + ", ".join(tail))
    return lines


# --------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------
def fmt_time(seconds):
    if not math.isfinite(seconds):
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            v = seconds / scale
            return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"
    return "-"  # pragma: no cover


def fmt_ratio(x):
    if x is None:
        return "-"
    return f"{x:.2f}x" if x < 10 else f"{x:.1f}x"


def table_rows(rows):
    out = []
    for r in rows:
        out.append(
            [
                r["entry"],
                fmt_time(r["median"]),
                fmt_ratio(r["speedup"]),
                fmt_ratio(r["vs_peer"]),
                "-" if r["threads"] is None else str(r["threads"]),
                "-" if r["gbps"] is None else f"{r['gbps']:.1f}",
                str(r["impl"]),
            ]
        )
    return out


HEADERS = ["entry", "median", "vs numpy", "vs best peer", "threads", "GB/s", "implementation"]
RIGHT = {1, 2, 3, 4, 5}  # right-aligned columns
SPEEDUP_NOTE = (
    "Speedup vs numpy = numpy median / entry median (>1: faster than NumPy); vs best peer "
    "= the same against the group's fastest non-concore entry (NumPy, numexpr, numba, "
    "bottleneck; named after the group)."
)


def group_title(name, rows):
    peer = best_peer(rows)
    return f"{name} (best peer: {peer['entry']})" if peer else name


def render_text(data, groups):
    lines = machine_header(data)
    lines.append(SPEEDUP_NOTE + " All measured side by side in this run.")
    for name, rows in groups.items():
        body = table_rows(rows)
        widths = [max(len(h), *(len(row[i]) for row in body)) for i, h in enumerate(HEADERS)]

        def line(cells):
            return "  ".join(
                c.rjust(w) if i in RIGHT else c.ljust(w)
                for i, (c, w) in enumerate(zip(cells, widths))
            ).rstrip()

        lines += ["", f"== {group_title(name, rows)} ==", line(HEADERS), line(["-" * w for w in widths])]
        lines += [line(row) for row in body]
    return "\n".join(lines) + "\n"


def render_markdown(data, groups):
    lines = ["# concore benchmarks", ""]
    lines += [f"{x}  " for x in machine_header(data)]
    lines += ["", SPEEDUP_NOTE + " All measured side by side in one run."]
    for name, rows in groups.items():
        lines += ["", f"## {group_title(name, rows)}", ""]
        lines.append("| " + " | ".join(HEADERS) + " |")
        lines.append(
            "|" + "|".join("---:" if i in RIGHT else "---" for i in range(len(HEADERS))) + "|"
        )
        for row in table_rows(rows):
            cells = row[:-1] + ["`" + row[-1].replace("|", "\\|") + "`"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# Plot
# --------------------------------------------------------------------------------------
ENTRY_ORDER = [
    "concore-1t",
    "concore-all",
    "concore-python",
    "numpy",
    "numexpr",
    "numexpr-1t",
    "numexpr-all",
    "numba",
    "bottleneck",
    "read-bandwidth",
]


GROUPS_PER_PANEL = 14


def write_png(data, groups, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = {g: rows for g, rows in groups.items() if any(r["speedup"] for r in rows)}
    if not groups:
        raise SystemExit("--png: no group has a numpy entry to compare against")
    present = {r["entry"] for rows in groups.values() for r in rows}
    present.discard(BASELINE)  # the line at 1
    entries = [e for e in ENTRY_ORDER if e in present]
    entries += sorted(present - set(entries))
    if not entries:
        raise SystemExit("--png: nothing but numpy to plot")

    # Stacked panels, one per suite (bench_*.py file) and at most GROUPS_PER_PANEL groups
    # each: ~35 groups in one row of bars would be unreadable.
    panels = []
    for g, rows in groups.items():
        suite = rows[0]["suite"]
        if not panels or panels[-1][0] != suite or len(panels[-1][1]) >= GROUPS_PER_PANEL:
            panels.append((suite, []))
        panels[-1][1].append(g)
    panels = [p for _, p in panels]
    ncols = max(len(p) for p in panels)
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(max(8.0, 1.0 * ncols + 2), 4.5 * len(panels) + 1.0),
        layout="constrained", squeeze=False,
    )
    cmap = plt.get_cmap("tab10")
    colors = {e: cmap(ENTRY_ORDER.index(e) % 10 if e in ENTRY_ORDER else (j + 3) % 10)
              for j, e in enumerate(entries)}
    for ax, panel in zip(axes[:, 0], panels):
        here = {r["entry"] for g in panel for r in groups[g]}
        panel_entries = [e for e in entries if e in here]
        nent = len(panel_entries)
        width = 0.8 / max(nent, 1)
        for j, e in enumerate(panel_entries):
            xs, ys = [], []
            for i, g in enumerate(panel):
                r = next((r for r in groups[g] if r["entry"] == e), None)
                if r is not None and r["speedup"]:
                    xs.append(i + (j - (nent - 1) / 2) * width)
                    ys.append(r["speedup"])
            # Bars grow from 1 (NumPy) up to the speedup, or down to the slowdown.
            ax.bar(xs, [y - 1.0 for y in ys], bottom=1.0, width=width, color=colors[e])
        ax.set_yscale("log")
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_xticks(range(len(panel)))
        ax.set_xticklabels(panel, rotation=30, ha="right")
        ax.set_xlim(-0.5, ncols - 0.5)
        ax.set_ylabel("speedup vs NumPy (log scale, >1 = faster)")
        ax.grid(axis="y", which="both", alpha=0.3)
    axes[0, 0].set_title("\n".join(machine_header(data)[:2]), fontsize=9)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(color=colors[e], label=e) for e in entries]
    handles.append(Line2D([], [], color="black", linewidth=0.8, label="numpy = 1"))
    axes[0, 0].legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.savefig(path, dpi=120)
    plt.close(fig)


# --------------------------------------------------------------------------------------
def render_summary(data, groups):
    """One Markdown row per group: NumPy's median, everyone's speedup over it, the best
    peer and concore-all's speedup over that peer. Entry columns no group has are left out."""
    cols = ["concore-all", "concore-1t", "read-bandwidth", "numba", "numexpr",
            "numexpr-1t", "numexpr-all", "bottleneck"]
    present = {r["entry"] for rows in groups.values() for r in rows}
    cols = [c for c in cols if c in present]
    out = [f"{x}  " for x in machine_header(data)] + ["",
           "| group | NumPy | " + " | ".join(cols) + " | best peer | concore-all vs best peer |",
           "|---|---:|" + "---:|" * len(cols) + "---|---:|"]
    for name, rows in groups.items():
        by = {r["entry"]: r for r in rows}
        base = by.get(BASELINE)
        cells = [fmt_ratio(by[c]["speedup"]) if c in by and by[c]["speedup"] else "-"
                 for c in cols]
        peer = best_peer(rows)
        cells.append(peer["entry"] if peer else "-")
        cc = by.get("concore-all")
        cells.append(fmt_ratio(cc["vs_peer"]) if cc and cc["vs_peer"] else "-")
        out.append(f"| {name} | {fmt_time(base['median']) if base else '-'} | "
                   + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("json", help="output of pytest --benchmark-json=FILE")
    p.add_argument("--png", help="write a bar chart of the speedups vs NumPy here")
    p.add_argument("--markdown", help="write the tables as Markdown here")
    p.add_argument("--summary", help="write one Markdown row per group (for the README) here")
    args = p.parse_args(argv)

    data = load(args.json)
    groups = collect(data)
    if not groups:
        print(f"{args.json}: no benchmark results", file=sys.stderr)
        return 1
    sys.stdout.write(render_text(data, groups))
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(render_markdown(data, groups))
    if args.summary:
        with open(args.summary, "w", encoding="utf-8") as f:
            f.write(render_summary(data, groups))
    if args.png:
        write_png(data, groups, args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
