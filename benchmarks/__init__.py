"""h5async performance suite: workloads W1-W6, harness and plots.

Run it with ``python -m benchmarks.suite`` (or ``make bench``); see
docs/performance.md for what each workload measures and the results.
"""
