"""PNG plots of a results list (matplotlib, Agg backend)."""
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402

_PLAIN = FuncFormatter(lambda y, _pos: f"{y:g}")


def _plain_log(axis):
    """Log axis with ticks written 1, 10, 100 rather than 10^0."""
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(_PLAIN)
    axis.set_minor_formatter(NullFormatter())

VARIANTS = ("h5py wheel", "h5py", "h5async sync", "h5async async")
COLORS = {"h5py wheel": "#c8c8c8", "h5py": "#8c8c8c", "h5async sync": "#4c72b0", "h5async async": "#dd8452",
          "async submit": "#f2c49b"}
STORAGES = ("local", "fsync", "remote")
STORAGE_LABELS = {"local": "local", "fsync": "local+fsync", "remote": "emul. remote"}


def _panels(results):
    """(workload, phase) pairs of the time plot, in order."""
    seen = []
    for r in results:
        if r["workload"] in ("W3", "W3-asyncio") or r["phase"] == "sweep":
            continue
        key = (r["workload"], r["phase"])
        if key not in seen:
            seen.append(key)
    return seen


def plot_times(results, path):
    """Wall time per variant, one panel per workload phase, bars grouped by storage."""
    panels = _panels(results)
    if not panels:
        return None
    ncol = min(4, len(panels))
    nrow = math.ceil(len(panels) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.3 * nrow), squeeze=False)
    for ax, (wl, phase) in zip(axes.flat, panels):
        rows = [r for r in results if r["workload"] == wl and r["phase"] == phase]
        storages = [s for s in STORAGES if any(r["storage"] == s for r in rows)]
        width = 0.8 / len(VARIANTS)
        for k, v in enumerate(VARIANTS):
            xs, ys = [], []
            for i, s in enumerate(storages):
                m = [r for r in rows if r["storage"] == s and r["variant"] == v]
                if m:
                    xs.append(i + (k - (len(VARIANTS) - 1) / 2) * width)
                    ys.append(m[0]["wall_s"])
            if not xs:
                continue
            bars = ax.bar(xs, ys, width, color=COLORS[v],
                          label="h5py same-HDF5" if v == "h5py" else v,
                          hatch="//" if v == "h5py wheel" else None)
            for b, y in zip(bars, ys):
                ax.annotate(f"{y:.2f}" if y < 10 else f"{y:.0f}",
                            (b.get_x() + b.get_width() / 2, y), ha="center", va="bottom",
                            fontsize=6)
        ax.set_xticks(range(len(storages)))
        ax.set_xticklabels([STORAGE_LABELS[s] for s in storages], fontsize=8)
        ax.set_title(f"{wl} {phase}", fontsize=9)
        ax.set_ylabel("wall time (s)", fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
        ax.margins(y=0.15)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.suptitle("Wall time per variant (lower is better; best of the rounds)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_perop(results, path):
    """W3: microseconds per operation, log scale; and the asyncio cases."""
    w3 = [r for r in results if r["workload"] == "W3"]
    aio = [r for r in results if r["workload"] == "W3-asyncio"]
    if not w3 and not aio:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    ax = axes[0]
    phases = []
    for r in w3:
        if r["phase"] not in phases:
            phases.append(r["phase"])
    series = [("h5py", "h5py same-HDF5", "us_per_op"), ("h5async sync", "h5async sync", "us_per_op"),
              ("h5async async", "h5async async (completed)", "us_per_op"),
              ("h5async async", "h5async async (submit)", "submit_us")]
    wheel = sorted({r["variant"] for r in w3 if r["variant"].startswith("h5py wheel")})
    series[1:1] = [(w, w, "us_per_op") for w in wheel]
    width = 0.84 / len(series)
    for k, (v, label, key) in enumerate(series):
        xs, ys = [], []
        for i, ph in enumerate(phases):
            m = [r for r in w3 if r["phase"] == ph and r["variant"] == v]
            if m and m[0].get(key) is not None:
                xs.append(i + (k - (len(series) - 1) / 2) * width)
                ys.append(m[0][key])
        color = COLORS["async submit"] if key == "submit_us" else COLORS.get(v, "#c8c8c8")
        bars = ax.bar(xs, ys, width, color=color, label=label,
                      hatch="//" if v.startswith("h5py wheel") else None)
        for b, y in zip(bars, ys):
            ax.annotate(f"{y:.1f}", (b.get_x() + b.get_width() / 2, y), ha="center",
                        va="bottom", fontsize=6)
    ax.axhline(5.0, color="k", lw=0.6, ls=":")
    ax.annotate("5 us submit target", (len(phases) - 0.6, 5.0), fontsize=7, va="bottom", ha="right")
    ax.set_yscale("log")
    _plain_log(ax.yaxis)
    ax.set_xticks(range(len(phases)))
    ax.set_xticklabels([p.replace(" ", "\n", 1) for p in phases], fontsize=8)
    ax.set_ylabel("microseconds per operation", fontsize=8)
    ax.set_title("W3 per-operation cost (page cache)", fontsize=9)
    ax.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.16))
    ax = axes[1]
    if aio:
        names = [r["variant"] for r in aio]
        vals = [r["us_per_op"] for r in aio]
        colors = [COLORS["h5py"] if n.startswith("h5py")
                  else COLORS["h5async async"] if "aread" in n
                  else COLORS["h5async sync"] for n in names]
        bars = ax.barh(range(len(names)), vals, color=colors)
        for b, y in zip(bars, vals):
            ax.annotate(f"{y:.1f}", (y, b.get_y() + b.get_height() / 2), va="center", fontsize=7)
        ax.set_yticks(range(len(names)))
        ax.set_yticklabels(names, fontsize=8)
        ax.invert_yaxis()
        ax.set_xscale("log")
        _plain_log(ax.xaxis)
        ax.margins(x=0.15)
        ax.set_xlabel("microseconds per read, inside an asyncio event loop", fontsize=8)
        ax.set_title("W3 asyncio: awaited small reads", fontsize=9)
    else:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_hidden(results, path):
    """Hidden fraction and overlap efficiency against the measured
    compute/I-O ratio (the sweep), with the (N-1)/N ceiling."""
    rows = [r for r in results if r["phase"] == "sweep"]
    if not rows:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_formatter(_PLAIN)
    styles = {("W1", "remote"): ("#dd8452", "o", "-"), ("W1", "local"): ("#dd8452", "s", "--"),
              ("W1", "fsync"): ("#dd8452", "^", ":"), ("W2", "remote"): ("#4c72b0", "o", "-"),
              ("W2", "local"): ("#4c72b0", "s", "--"), ("W2", "fsync"): ("#4c72b0", "^", ":")}
    steps = set()
    for (wl, st), (color, marker, ls) in styles.items():
        m = sorted((r for r in rows if r["workload"] == wl and r["storage"] == st),
                   key=lambda r: r["ratio"])
        if not m:
            continue
        steps.update(r["steps"] for r in m)
        label = (f"{wl} {'checkpoint' if wl == 'W1' else 'analysis'}, {STORAGE_LABELS[st]}, "
                 f"{m[0].get('step_bytes', 0) >> 20} MiB/step")
        for ax, key in zip(axes, ("hidden", "efficiency")):
            ax.plot([r["ratio"] for r in m], [r[key] for r in m], color=color, marker=marker,
                    ls=ls, label=label)
    for n in sorted(steps):
        axes[0].axhline((n - 1) / n, color="k", lw=0.7, ls=":")
        axes[0].text(0.01, (n - 1) / n, f" ceiling (N-1)/N, N={n}", fontsize=7, va="bottom",
                     transform=axes[0].get_yaxis_transform())
    axes[1].axhline(0.95, color="k", lw=0.7, ls=":")
    axes[1].text(0.01, 0.95, " 0.95 target (remote)", fontsize=7, va="top",
                 transform=axes[1].get_yaxis_transform())
    for ax, title, key in zip(axes, ("fraction of I/O hidden", "overlap efficiency"),
                              ("hidden", "efficiency")):
        ax.set_xlabel("compute / I/O time (measured, synchronous run)", fontsize=8)
        ax.set_title(title, fontsize=9)
        vals = [r[key] for r in rows if r[key] == r[key]]
        ax.set_ylim(min([-0.05] + [v - 0.05 for v in vals]), max([1.1] + [v + 0.05 for v in vals]))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, loc="lower center")
    fig.suptitle("h5async async against h5async sync", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_all(results, out):
    made = []
    for name, fn in (("bench_times.png", plot_times), ("bench_perop.png", plot_perop),
                     ("bench_hidden.png", plot_hidden)):
        p = fn(results, os.path.join(out, name))
        if p:
            made.append(p)
    trace = os.path.join(out, "trace_w1.json")
    if os.path.exists(trace):
        p = plot_trace(trace, os.path.join(out, "bench_trace_w1.png"))
        if p:
            made.append(p)
    return made


def plot_trace(trace_path, path):
    """The Chrome trace of one W1 run as a two-lane timeline picture."""
    import json
    with open(trace_path) as fh:
        events = [e for e in json.load(fh)["traceEvents"] if e.get("ph") == "X"]
    if not events:
        return None
    fig, ax = plt.subplots(figsize=(12, 2.6))
    lanes = {1: 1, 2: 0}
    colors = {"compute": "#4c72b0", "write": "#f2c49b", "close": "#8c8c8c"}
    for e in events:
        name = e["name"]
        if name.startswith("W1 "):
            continue                                  # the enclosing span
        lane = lanes.get(e["tid"], 0)
        if e["tid"] == 1:
            color = next((c for k, c in colors.items() if name.startswith(k)), "#cccccc")
        else:
            color = "#dd8452" if "dataset" in name else "#55a868"
        ax.broken_barh([(e["ts"] / 1e3, max(e["dur"] / 1e3, 0.3))], (lane - 0.35, 0.7),
                       facecolors=color, edgecolors="white", linewidth=0.3)
    ax.set_yticks([0, 1])
    ax.set_yticklabels(["h5async I/O thread", "main thread"], fontsize=8)
    ax.set_xlabel("milliseconds", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    from matplotlib.patches import Patch
    ax.legend(handles=[Patch(color=colors["compute"], label="compute"),
                       Patch(color=colors["write"], label="write call (staging copy)"),
                       Patch(color=colors["close"], label="close + wait"),
                       Patch(color="#dd8452", label="dataset write task"),
                       Patch(color="#55a868", label="open / close task")],
              fontsize=7, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.35))
    ax.set_title("W1 asynchronous run on emulated remote storage (trace_w1.json)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_threads(rows, path, cores=None):
    """W6 (benchmarks/compression.py): gzip write and read throughput of
    h5async against its codec thread count, the h5py baselines as
    horizontal lines, and the ideal linear scaling from 1 thread."""
    sync = sorted(((r["threads"], r) for r in rows.values()
                   if r["kind"] == "h5async" and not r["async"]), key=lambda x: x[0])
    if not sync:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    base_styles = {"h5py wheel": ("#8c8c8c", "--"), "h5py same-HDF5": ("#555555", ":")}
    for ax, key, title in zip(axes, ("write_mb_s", "read_mb_s"), ("write", "read")):
        xs = [n for n, _ in sync]
        ys = [r[key] for _, r in sync]
        ax.plot(xs, ys, color=COLORS["h5async sync"], marker="o", label="h5async (synchronous)")
        for x, y in zip(xs, ys):
            ax.annotate(f"{y:.0f}", (x, y), textcoords="offset points", xytext=(0, 5),
                        ha="center", fontsize=7)
        one = dict(sync).get(1)
        if one is not None:
            lim = max(xs) if cores is None else min(max(xs), cores)
            ax.plot([1, lim], [one[key], one[key] * lim], color=COLORS["h5async sync"],
                    lw=0.7, ls=":", label="1 thread x n")
        for label, r in rows.items():
            if r["kind"] == "h5async" and r["async"]:
                ax.plot([r["threads"]], [r[key]], marker="s", ls="",
                        color=COLORS["h5async async"], label=label)
        for label, (color, ls) in base_styles.items():
            if label in rows:
                ax.axhline(rows[label][key], color=color, ls=ls, lw=1, label=label)
        if cores:
            ax.axvline(cores, color="k", lw=0.5, alpha=0.4)
            ax.text(cores, 0.02, f" {cores} cores", fontsize=7, transform=ax.get_xaxis_transform())
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_formatter(_PLAIN)
        ax.set_xticks(xs)
        ax.set_xlabel("codec threads (h5async.set_threads; 1 = HDF5's own filter path)",
                      fontsize=8)
        ax.set_ylabel("MB/s (uncompressed bytes)", fontsize=8)
        ax.set_title(f"gzip 4 + shuffle, 1 MiB chunks: {title}", fontsize=9)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7, loc="upper left")
    fig.suptitle("W6: throughput against codec threads (medians of interleaved rounds, one run)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
