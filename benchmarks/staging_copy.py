"""The cost of the staging copy of a queued write against np.copyto into
memory already touched (issue 13, part 2): 30 asynchronous writes of a
64 MiB row, in rounds of 10 waited for, median time of the write call
against the median of 10 np.copyto of the same array.  Prints the ratio.

    .venv/bin/python benchmarks/staging_copy.py
"""
import statistics as st
import time

import numpy as np

import h5async


def main() -> None:
    N = 8 << 20  # 64 MiB of f8
    a = np.random.rand(N)
    dst = np.empty_like(a); np.copyto(dst, a)
    def t_copyto():
        t0 = time.perf_counter(); np.copyto(dst, a); return time.perf_counter() - t0
    es = h5async.EventSet()
    f = h5async.File("/tmp/h5async_staging_copy.h5", "w", es=es)
    d = f.create_dataset("d", (10, N), "f8")
    es.wait()
    calls = []
    for r in range(3):
        for i in range(10):
            t0 = time.perf_counter(); d[i] = a; calls.append(time.perf_counter() - t0)
        es.wait()
    copies = [t_copyto() for _ in range(10)]
    print(f"write call median {st.median(calls)*1e3:.1f} ms, copyto median {st.median(copies)*1e3:.1f} ms, ratio {st.median(calls)/st.median(copies):.2f}")
    f.es = None; f.close()


if __name__ == "__main__":
    main()
