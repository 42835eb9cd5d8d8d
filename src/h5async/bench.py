"""Run h5async's benchmark suite: ``python -m h5async.bench [--quick] [--out DIR]``.

A thin entry point: the suite itself (workloads W1-W6, harness, plots)
lives in the source tree's benchmarks/ directory, found next to this
package in a source checkout or editable install, or named by the
H5ASYNC_BENCHMARKS environment variable.  ``--help`` lists the options;
docs/performance.md describes the workloads and the results.
"""
import os
import sys
from pathlib import Path


def _benchmarks_dir():
    candidates = []
    if os.environ.get("H5ASYNC_BENCHMARKS"):
        candidates.append(Path(os.environ["H5ASYNC_BENCHMARKS"]))
    candidates += [Path(__file__).resolve().parents[2] / "benchmarks", Path.cwd() / "benchmarks"]
    for c in candidates:
        if (c / "suite.py").is_file() and (c / "__init__.py").is_file():
            return c.resolve()
    raise SystemExit("h5async.bench: the benchmarks/ directory of the h5async source tree was "
                     "not found; run from a source checkout or set H5ASYNC_BENCHMARKS=/path/to/"
                     "benchmarks")


def main(argv=None):
    bdir = _benchmarks_dir()
    sys.path.insert(0, str(bdir.parent))
    from benchmarks import suite
    return suite.main(argv)


if __name__ == "__main__":
    sys.exit(main())
