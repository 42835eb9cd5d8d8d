"""The cost of the staging copy of a queued write against np.copyto into
memory already touched (issue 13, part 2): asynchronous writes of a 64 MiB
row, in batches of 10 waited for, the median time of the write call (which
is the copy into a staging buffer) against the median of 10 np.copyto of
the same array into a pre-faulted buffer, measured interleaved, batch by
batch.  Prints the ratio (target <= 1.2x) as a Markdown table.

Two kinds of batch alternate: "streaming", 10 writes queued back to back
(each copy runs while the I/O thread writes the previous rows into the
page cache, so the two share the memory bandwidth), and "alone", each write
waited for before the next (the copy runs with the I/O thread idle: the
copy's own cost).

    .venv/bin/python -m benchmarks.staging_copy [--rounds 3] [--out DIR]
"""
import argparse
import json
import os
import statistics as st
import sys
import tempfile
import time

import numpy as np

import h5async


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.staging_copy",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3, help="batches of 10 writes (after one "
                    "untimed warm-up batch)")
    ap.add_argument("--mib", type=int, default=64)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    ap.add_argument("--out", default=None, help="directory for staging_copy.md/.json")
    args = ap.parse_args(argv)
    N = args.mib << 17                     # float64 elements
    a = np.random.rand(N)
    dst = np.empty_like(a)
    np.copyto(dst, a)

    def t_copyto():
        t0 = time.perf_counter()
        np.copyto(dst, a)
        return time.perf_counter() - t0

    load0 = os.getloadavg()
    path = os.path.join(args.dir, f"bn_staging_copy_{os.getpid()}.h5")
    es = h5async.EventSet()
    f = h5async.File(path, "w", es=es)
    d = f.create_dataset("d", (10, N), "f8")
    es.wait()
    calls, copies, ratios = [], [], []
    alone, alone_ratios = [], []
    for r in range(args.rounds + 1):
        c, k, c1 = [], [], []
        for i in range(10):
            t0 = time.perf_counter()
            d[i] = a
            c.append(time.perf_counter() - t0)
        es.wait()
        k = [t_copyto() for _ in range(10)]
        for i in range(10):
            t0 = time.perf_counter()
            d[i] = a
            c1.append(time.perf_counter() - t0)
            es.wait()
        if r:                                 # the first batch fills the pool
            calls += c
            copies += k
            alone += c1
            ratios.append(st.median(c) / st.median(k))
            alone_ratios.append(st.median(c1) / st.median(k))
    f.es = None
    f.close()
    os.remove(path)
    med_call, med_copy, med_alone = st.median(calls), st.median(copies), st.median(alone)
    text = (f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
            f"{load0[0]:.1f} at start, {os.getloadavg()[0]:.1f} at end; {args.rounds} batches "
            f"of 10 asynchronous {args.mib} MiB row writes after one warm-up batch\n\n"
            "| | write call (staging copy) | np.copyto, touched memory | ratio |\n"
            "|---|---|---|---|\n"
            f"| alone (each write waited for), medians | {med_alone * 1e3:.1f} ms | "
            f"{med_copy * 1e3:.1f} ms | {med_alone / med_copy:.2f}x |\n"
            f"| alone, per batch | | | {', '.join(f'{x:.2f}x' for x in alone_ratios)} |\n"
            f"| streaming (queued back to back), medians | {med_call * 1e3:.1f} ms | "
            f"{med_copy * 1e3:.1f} ms | {med_call / med_copy:.2f}x |\n"
            f"| streaming, per batch | | | {', '.join(f'{x:.2f}x' for x in ratios)} |")
    print(text)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "staging_copy.md"), "w") as fh:
            fh.write(text + "\n")
        with open(os.path.join(args.out, "staging_copy.json"), "w") as fh:
            json.dump({"write_call_s": calls, "copyto_s": copies, "batch_ratios": ratios,
                       "ratio": med_call / med_copy, "alone_write_call_s": alone,
                       "alone_batch_ratios": alone_ratios, "alone_ratio": med_alone / med_copy,
                       "mib": args.mib}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
