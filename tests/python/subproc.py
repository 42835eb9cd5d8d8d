"""Running a scenario in a fresh interpreter, so that a crash fails one test.

Scenarios that can crash the interpreter (races on lifetimes, faults at
exit, fork) are given as source text and run with ``run_script``; the
test then checks the exit status, the output and the file on disk.
"""
import os
import subprocess
import sys
import textwrap


def script_cmd(code, *args):
    return [sys.executable, "-c", textwrap.dedent(code), *map(str, args)]


def run_script(code, *args, timeout=180, env=None):
    """Run `code` with `args` in sys.argv[1:]; returns the CompletedProcess."""
    full_env = dict(os.environ, **(env or {}))
    for _ in range(3):  # retry only an import that lost a race to rebuild the extension
        proc = subprocess.run(script_cmd(code, *args), capture_output=True, text=True,
                              timeout=timeout, env=full_env)
        if proc.returncode == 0 or "editable package failed" not in proc.stderr:
            break
    return proc


def check_ok(proc, code=0):
    """Assert the exit status (0 by default, never a signal); return stdout."""
    assert proc.returncode == code, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def run_lib(script, lib, mode, path, timeout=120):
    """Run a round-trip `script` whose sys.argv is (lib, mode, path): `lib`
    is "h5py" or "h5async", `mode` "write", "write-async" or "read"; it
    prints what it reads.  Returns that output."""
    proc = subprocess.run([sys.executable, "-c", script, lib, mode, str(path)],
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stderr}"
    return proc.stdout


def check_round_trips(script, tmp_path):
    """The same file content both ways: h5async writes (sync and async) and
    both libraries read; h5async reads what h5py wrote.  Every reading
    must print what h5py prints for its own file."""
    expected = run_lib(script, "h5py", "write", tmp_path / "h5py.h5")
    assert run_lib(script, "h5async", "read", tmp_path / "h5py.h5") == expected
    for mode in ("write", "write-async"):
        path = tmp_path / f"ours-{mode}.h5"
        assert run_lib(script, "h5async", mode, path) == expected
        assert run_lib(script, "h5py", "read", path) == expected
