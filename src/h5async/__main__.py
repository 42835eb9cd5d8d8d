"""``python -m h5async run script.py [args...]`` (or ``run -m module
[args...]``): run an unmodified h5py program with h5async installed as h5py
and implicit mode on, so that its writes overlap its computation.

The program runs as ``__main__`` with ``sys.argv`` set as ``python
script.py args`` would set it.  When it ends, every write it queued is
waited for; failures that no close() raised are printed and make the exit
status 1.
"""
import os
import runpy
import sys
from collections.abc import Sequence

USAGE = """usage: python -m h5async run script.py [args...]
       python -m h5async run -m module [args...]

Runs a program with h5async installed as h5py (install_as_h5py()) and
implicit mode on (every file opened for writing gets a default event set)."""


def _run(argv: Sequence[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not argv else sys.stdout)
        return 2 if not argv else 0
    import h5async

    h5async.install_as_h5py()
    h5async.set_implicit(True)
    if argv[0] == "-m":
        if len(argv) < 2:
            print(USAGE, file=sys.stderr)
            return 2
        sys.argv = [argv[1], *argv[2:]]
        sys.path.insert(0, os.getcwd())
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        script = argv[0]
        sys.argv = list(argv)
        # As `python script.py` does: the script's directory comes first.
        sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
        runpy.run_path(script, run_name="__main__")
    return 0


def _finish() -> bool:
    """Wait for what implicit mode queued; print failures; True if any."""
    from h5async import _implicit

    failures = _implicit.wait_all()
    for name, exc in failures:
        print(f"h5async: implicit mode: operations on {name} failed:", file=sys.stderr)
        for err in exc.exceptions:
            print(f"  {type(err).__name__}: {err}", file=sys.stderr)
    return bool(failures)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "run":
        print(USAGE, file=sys.stderr)
        return 2
    try:
        status = _run(argv[1:])
    except SystemExit as exc:
        failed = _finish()
        if failed and exc.code in (None, 0):
            raise SystemExit(1) from None
        raise
    failed = _finish()
    return 1 if failed and status == 0 else status


if __name__ == "__main__":
    sys.exit(main())
