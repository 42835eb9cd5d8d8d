"""The results table and the targets of issue 6, as text."""


def _fmt(x, spec):
    return "" if x is None or x != x else format(x, spec)


def _rate(row):
    if row.get("us_per_op") is not None:
        s = f"{row['us_per_op']:.2f} us/op"
        if row.get("submit_us") is not None:
            s += f" (submit {row['submit_us']:.2f})"
        return s
    if row.get("mb_s") is not None:
        return f"{row['mb_s']:.0f} MB/s"
    return ""


def table(results):
    """Every row but the sweep, as a fixed-width table."""
    head = (f"{'workload':<11}{'phase':<24}{'storage':<8}{'variant':<30}{'wall s':>8}  "
            f"{'per op / rate':<28}{'vs ref':>7}{'hidden':>8}{'eff':>6}{'CPU s':>7}{'RSS MiB':>9}")
    lines = [head, "-" * len(head)]
    prev = None
    for r in results:
        if r["phase"] == "sweep":
            continue
        key = (r["workload"], r["phase"], r["storage"])
        if prev is not None and key[:2] != prev[:2]:
            lines.append("")
        prev = key
        vs = r.get("vs_h5py", r.get("vs_to_thread"))
        lines.append(
            f"{r['workload']:<11}{r['phase'][:23]:<24}{r['storage']:<8}{r['variant'][:29]:<30}"
            f"{_fmt(r['wall_s'], '8.3f')}  {_rate(r):<28}{_fmt(vs, '7.2f')}"
            f"{_fmt(r.get('hidden'), '8.2f')}{_fmt(r.get('efficiency'), '6.2f')}"
            f"{_fmt(r.get('cpu_s'), '7.2f')}{_fmt(r.get('peak_rss_mib'), '9.0f')}")
    lines.append("")
    lines.append("vs ref: T_h5py / T_variant (>1: faster than h5py); W3-asyncio: against "
                 "h5py through asyncio.to_thread.  hidden = (T_sync - T_async) / "
                 "min(T_compute, T_io); eff = (T_sync - T_async) / (T_sync - T_ideal), both "
                 "against h5async sync.  CPU s: process CPU time (all threads) of the run.  "
                 "RSS: peak resident set of the process during the run.")
    return "\n".join(lines)


def sweep_table(results):
    rows = [r for r in results if r["phase"] == "sweep"]
    if not rows:
        return ""
    head = (f"{'workload':<9}{'storage':<8}{'target':>7}{'c/io':>7}{'T_sync':>8}{'T_async':>9}"
            f"{'T_ideal':>9}{'hidden':>8}{'eff':>6}")
    lines = ["hidden fraction against compute/I-O ratio (h5async sync vs async)", head,
             "-" * len(head)]
    for r in rows:
        lines.append(f"{r['workload']:<9}{r['storage']:<8}{r['target_ratio']:7.2f}{r['ratio']:7.2f}"
                     f"{r['t_sync']:8.3f}{r['wall_s']:9.3f}{r['t_ideal']:9.3f}"
                     f"{r['hidden']:8.2f}{r['efficiency']:6.2f}")
    return "\n".join(lines)


def _find(results, **kw):
    return [r for r in results if all(r.get(k) == v for k, v in kw.items())]


def targets(results):
    """Issue 6's targets against this run: a list of dicts."""
    out = []

    def add(name, goal, value, ok, detail):
        out.append({"target": name, "goal": goal, "value": value, "met": ok, "detail": detail})

    for wl in ("W1", "W2"):
        for st, goal in (("remote", 0.95), ("local", None), ("fsync", None)):
            rows = _find(results, workload=wl, storage=st, variant="h5async async")
            rows = [r for r in rows if r["phase"] != "sweep"]
            if not rows:
                continue
            r = rows[0]
            add(f"{wl} overlap efficiency, {st}",
                f">= {goal}" if goal else "as high as 2 cores allow",
                r["efficiency"], (r["efficiency"] >= goal) if goal else None,
                f"hidden {r['hidden']:.2f}, T_ideal {r['t_ideal']:.3f} s, "
                f"T_async {r['wall_s']:.3f} s")
    for r in _find(results, workload="W3", variant="h5async async"):
        add(f"async submit cost, {r['phase']}", "<= 5 us", r["submit_us"], r["submit_us"] <= 5.0,
            f"completed {r['us_per_op']:.2f} us/op")
    for phase, goal in (("single-element read", 0.5), ("attribute read", 0.2)):
        ha = _find(results, workload="W3", phase=phase, variant="h5async sync")
        hp = _find(results, workload="W3", phase=phase, variant="h5py")
        if ha and hp:
            ratio = ha[0]["us_per_op"] / hp[0]["us_per_op"]
            add(f"sync {phase} / h5py", f"<= {goal}", ratio, ratio <= goal,
                f"{ha[0]['us_per_op']:.2f} us vs {hp[0]['us_per_op']:.2f} us")
    for r in _find(results, workload="W4"):
        if r["variant"] in ("h5py", "h5py wheel"):
            continue
        add(f"W4 {r['phase']} {r['storage']} {r['variant']} / h5py", ">= 0.95", r["vs_h5py"],
            r["vs_h5py"] >= 0.95, f"{r['mb_s']:.0f} MB/s")
    return out


def targets_table(tg):
    lines = ["targets (issue 6)"]
    for t in tg:
        met = {True: "met", False: "MISSED", None: "-"}[t["met"]]
        lines.append(f"  {t['target']:<52}{t['goal']:>26}  {t['value']:8.3f}  {met:<7}"
                     f"{t['detail']}")
    return "\n".join(lines)


def markdown(results):
    """The main table as Markdown (one table per workload), for the docs."""
    out = []
    groups = []
    for r in results:
        if r["phase"] == "sweep":
            continue
        key = r["workload"]
        if key not in groups:
            groups.append(key)
    for wl in groups:
        rows = [r for r in results if r["workload"] == wl and r["phase"] != "sweep"]
        ref = "vs to_thread" if wl == "W3-asyncio" else "vs h5py"
        overlap = any(r.get("hidden") is not None for r in rows)
        head = ["phase", "storage", "variant", "wall s", "per op / rate", ref]
        if overlap:
            head += ["hidden", "eff"]
        head += ["CPU s", "peak RSS MiB"]
        out.append(f"**{wl}**\n")
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        for r in rows:
            vs = r.get("vs_h5py", r.get("vs_to_thread"))
            cells = [r["phase"], r["storage"], r["variant"], _fmt(r["wall_s"], ".3f"), _rate(r),
                     _fmt(vs, ".2f")]
            if overlap:
                cells += [_fmt(r.get("hidden"), ".2f"), _fmt(r.get("efficiency"), ".2f")]
            cells += [_fmt(r.get("cpu_s"), ".2f"), _fmt(r.get("peak_rss_mib"), ".0f")]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    rows = [r for r in results if r["phase"] == "sweep"]
    if rows:
        out.append("**Sweep of the compute/I-O ratio** (h5async sync against async)\n")
        out.append("| workload | storage | MiB/step | c/io target | c/io measured | T_sync | "
                   "T_async | T_ideal | hidden | eff |")
        out.append("|" + "---|" * 10)
        for r in rows:
            out.append(f"| {r['workload']} | {r['storage']} | {r.get('step_bytes', 0) >> 20} | "
                       f"{r['target_ratio']:g} | {r['ratio']:.2f} | {r['t_sync']:.3f} | "
                       f"{r['wall_s']:.3f} | {r['t_ideal']:.3f} | {r['hidden']:.2f} | "
                       f"{r['efficiency']:.2f} |")
        out.append("")
    return "\n".join(out)


def _value(row):
    if row.get("mb_s") is not None:
        return f"{row['mb_s']:.0f} MB/s"
    if row.get("us_per_op") is not None:
        return f"{row['us_per_op']:.2f} us"
    return _fmt(row.get("wall_s"), ".3f") + " s"


def _ratio(base, row):
    """T_base / T_row in the unit both have: us per operation, else wall s."""
    for key in ("us_per_op", "wall_s"):
        if base.get(key) and row.get(key):
            return f"{base[key] / row[key]:.2f}x"
    return ""


def baselines_markdown(results):
    """Every workload phase against both h5py baselines of the same run: the
    PyPI wheel ("h5py wheel", its own HDF5) and the h5py built against the
    system libhdf5 ("h5py", the same library as h5async).  Ratios are
    T_baseline / T_h5async: > 1 is faster than that h5py."""
    keys = []
    for r in results:
        if r["phase"] == "sweep" or r["workload"] == "W3-asyncio":
            continue
        k = (r["workload"], r["phase"], r["storage"])
        if k not in keys:
            keys.append(k)
    head = ("| workload | phase | storage | h5py wheel | h5py same-HDF5 | h5async sync | "
            "sync vs wheel | sync vs same-HDF5 | h5async async | async vs wheel | "
            "async vs same-HDF5 |")
    out = [head, "|" + "---|" * 11]
    for k in keys:
        rows = {r["variant"]: r for r in results
                if (r["workload"], r["phase"], r["storage"]) == k}
        wheel, same = rows.get("h5py wheel"), rows.get("h5py")
        cells = list(k)
        cells += [_value(wheel) if wheel else "", _value(same) if same else ""]
        for name in ("h5async sync", "h5async async"):
            r = rows.get(name)
            if not r:
                cells += ["", "", ""]
                continue
            v = _value(r)
            if name == "h5async async" and r.get("submit_us") is not None:
                v += f" (submit {r['submit_us']:.2f})"
            cells.append(v)
            for b in (wheel, same):
                cells.append(_ratio(b, r) if b else "")
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)
