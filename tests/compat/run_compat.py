"""Run the compatibility suites against real h5py (baseline) and h5async.

    python tests/compat/run_compat.py [--suite NAME ...] [--update-expected] [--no-run]

`make test-compat` calls this after it has set up build/compat (Makefile).
For each suite it runs pytest twice, each test in a forked child
(each_forked.py), once with the real h5py and once with h5async installed as
h5py (site/sitecustomize.py, H5COMPAT_TARGET), writes JUnit XML to
build/compat/results/, and counts

    passed = in-scope tests that pass with real h5py and with h5async

and the failure causes of the rest (the first line of the error they hit,
grouped).  It exits 1 if a suite passes fewer than tests/compat/expected.json
records (a ratchet: raise the numbers there, with --update-expected, when
more pass), or if the baseline itself breaks badly (fewer than half of the
recorded baseline passes: the harness, not h5async, is then broken).
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.join(ROOT, "build", "compat")
RESULTS = os.path.join(BUILD, "results")
EXPECTED = os.path.join(HERE, "expected.json")
MAIN_PY = os.path.join(ROOT, ".venv", "bin", "python")
NETCDF_PY = os.path.join(BUILD, "venv-netcdf", "bin", "python")
ANNDATA_PY = os.path.join(BUILD, "venv-anndata", "bin", "python")
H5PY_TESTS = os.path.join(BUILD, "h5py_tests", "h5py", "tests")
ANNDATA_SRC = os.path.join(BUILD, "anndata-src")

# anndata's HDF5 I/O modules (issue 12); its zarr parametrisations are left out.
ANNDATA_MODULES = ["test_readwrite.py", "test_io_elementwise.py",
                   "test_backed_dense.py", "test_backed_sparse.py"]


def _site_packages(py, pkg):
    out = subprocess.run([py, "-c", f"import {pkg}, os; print(os.path.dirname({pkg}.__file__))"],
                         check=True, capture_output=True, text=True, cwd="/")
    return out.stdout.strip()


def suites():
    return {
        "h5py": dict(py=MAIN_PY, cwd=BUILD, args=["h5py_tests"],
                     env={"H5COMPAT_H5PY_TESTS": H5PY_TESTS},
                     prefix="h5py_tests.h5py.tests.",
                     out_of_scope=os.path.join(HERE, "h5py_out_of_scope.txt")),
        "h5netcdf": dict(py=NETCDF_PY, cwd=BUILD,
                         args=[lambda: os.path.join(_site_packages(NETCDF_PY, "h5netcdf"), "tests")],
                         env={}, prefix="", out_of_scope=None),
        "xarray": dict(py=NETCDF_PY, cwd=BUILD,
                       args=[os.path.join(HERE, "test_xarray_roundtrip.py"), "-c",
                             os.path.join(HERE, "pytest-xarray.ini")],
                       env={}, prefix="", out_of_scope=None),
        "anndata": dict(py=ANNDATA_PY, cwd=ANNDATA_SRC,
                        args=["-c", os.path.join(HERE, "pytest-anndata.ini"), "--rootdir", ".",
                              *("tests/" + m for m in ANNDATA_MODULES), "-k", "not zarr"],
                        env={}, prefix="", out_of_scope=None),
    }


def run_suite(name, spec, target):
    os.makedirs(RESULTS, exist_ok=True)
    xml = os.path.join(RESULTS, f"{name}-{target}.xml")
    log = os.path.join(RESULTS, f"{name}-{target}.log")
    args = [a() if callable(a) else a for a in spec["args"]]
    env = dict(os.environ)
    env.update(spec["env"])
    env["H5COMPAT_TARGET"] = target
    env["PYTHONPATH"] = os.pathsep.join([os.path.join(HERE, "site"), HERE])
    env.pop("H5ASYNC_IMPLICIT", None)
    cmd = [spec["py"], "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "each_forked",
           "--each-forked", "--continue-on-collection-errors", "--junitxml", xml, *args]
    t0 = time.monotonic()
    with open(log, "w") as fh:
        subprocess.run(cmd, cwd=spec["cwd"], env=env, stdout=fh, stderr=subprocess.STDOUT)
    dt = time.monotonic() - t0
    print(f"  {name:9s} {target:8s} {dt:6.0f} s  ({os.path.relpath(log, ROOT)})", flush=True)
    return dt


_NORMALISE = [
    (re.compile(r"0x[0-9a-fA-F]+"), "0x…"),
    (re.compile(r"(/tmp|/work|/root)/\S+"), "<path>"),
    (re.compile(r"\s+"), " "),
]


def _cause(elem):
    """One line naming the error a failed test hit."""
    msg = elem.get("message") or ""
    text = elem.text or ""
    if msg in ("", "collection failure") or msg.startswith("failed on setup"):
        lines = [ln[1:].strip() for ln in text.splitlines() if ln.startswith("E ")]
        if lines:
            msg = lines[-1] if msg == "collection failure" else lines[0]
    msg = msg.splitlines()[0] if msg else "(no message)"
    for rx, rep in _NORMALISE:
        msg = rx.sub(rep, msg)
    return msg.strip()[:200]


def parse(xml, prefix):
    """{test key: ("passed"|"failed"|"skipped", cause)} and {module: collection error}."""
    tests, broken = {}, {}
    if not os.path.exists(xml):
        return tests, broken
    for tc in ET.parse(xml).iter("testcase"):
        cls, name = tc.get("classname") or "", tc.get("name") or ""
        children = [c for c in tc if c.tag in ("failure", "error", "skipped")]
        if not cls:  # a module that did not import
            mod = name[len(prefix):] if name.startswith(prefix) else name
            broken[mod] = _cause(children[0]) if children else "collection failure"
            continue
        key = f"{cls}.{name}"
        key = key[len(prefix):] if key.startswith(prefix) else key
        status, cause = "passed", None
        for c in children:
            if c.tag == "skipped":
                status, cause = ("xfailed" if c.get("type") == "pytest.xfail" else "skipped"), _cause(c)
            elif c.tag in ("failure", "error"):
                # an error in teardown after a pass still fails the test
                status, cause = "failed", _cause(c)
                break
        tests[key] = (status, cause)
    return tests, broken


def load_out_of_scope(path):
    entries = []
    if path:
        with open(path) as fh:
            for line in fh:
                line = line.split("#", 1)[0].strip()
                if line:
                    entries.append(line)
    return entries


def in_scope(key, entries):
    for e in entries:
        if key == e or key.startswith(e + ".") or key.startswith(e + "["):
            return False
    return True


def analyse(name, spec):
    base, _ = parse(os.path.join(RESULTS, f"{name}-h5py.xml"), spec["prefix"])
    new, broken = parse(os.path.join(RESULTS, f"{name}-h5async.xml"), spec["prefix"])
    oos = load_out_of_scope(spec["out_of_scope"])
    base_pass = {k for k, (s, _) in base.items() if s == "passed"}
    scope = {k for k in base_pass if in_scope(k, oos)}
    passed = {k for k in scope if new.get(k, ("missing",))[0] == "passed"}
    causes = collections.Counter()
    examples = {}
    for k in sorted(scope - passed):
        if k in new:
            status, cause = new[k]
            cause = cause if status == "failed" else f"{status} under h5async: {cause}"
        else:
            mods = [m for m in broken if k.startswith(m + ".")]
            cause = (f"module does not import: {broken[max(mods, key=len)]}" if mods
                     else "not collected under h5async")
        causes[cause] += 1
        examples.setdefault(cause, k)
    return {
        "baseline_total": len(base), "baseline_passed": len(base_pass),
        "out_of_scope": len(base_pass) - len(scope), "in_scope": len(scope),
        "passed": len(passed),
        "rate": round(100.0 * len(passed) / len(scope), 1) if scope else 0.0,
        "h5async_only_passes": len({k for k, (s, _) in new.items() if s == "passed"} - base_pass),
        "causes": [{"count": n, "cause": c, "example": examples[c]} for c, n in causes.most_common()],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--suite", action="append", help="run only these suites")
    ap.add_argument("--no-run", action="store_true", help="analyse the last results only")
    ap.add_argument("--update-expected", action="store_true",
                    help="record the current counts as the new minimum")
    opts = ap.parse_args()
    specs = suites()
    names = opts.suite or list(specs)
    t0 = time.monotonic()
    if not opts.no_run:
        for name in names:
            for target in ("h5py", "h5async"):
                run_suite(name, specs[name], target)
    summary = {name: analyse(name, specs[name]) for name in names}
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)
    expected = {}
    if os.path.exists(EXPECTED):
        with open(EXPECTED) as fh:
            expected = json.load(fh)
    ok = True
    print(f"\n{'suite':9s} {'passed':>7s} / {'in scope':>8s}  {'rate':>6s}  "
          f"(baseline passes {'':>0s}, out of scope)  minimum")
    tot_p = tot_s = 0
    for name in names:
        s = summary[name]
        tot_p += s["passed"]
        tot_s += s["in_scope"]
        want = expected.get(name, {})
        mark = ""
        if s["passed"] < want.get("passed", 0):
            ok, mark = False, "  FEWER THAN RECORDED"
        if s["baseline_passed"] < want.get("baseline_passed", 0) // 2:
            ok, mark = False, mark + "  BASELINE BROKEN"
        print(f"{name:9s} {s['passed']:7d} / {s['in_scope']:8d}  {s['rate']:5.1f}%  "
              f"({s['baseline_passed']}, {s['out_of_scope']})  {want.get('passed', '-')}{mark}")
    if tot_s:
        print(f"{'overall':9s} {tot_p:7d} / {tot_s:8d}  {100.0 * tot_p / tot_s:5.1f}%")
    for name in names:
        print(f"\n{name}: top failure causes")
        for c in summary[name]["causes"][:12]:
            print(f"  {c['count']:5d}  {c['cause']}")
    print(f"\n{time.monotonic() - t0:.0f} s; details in {os.path.relpath(RESULTS, ROOT)}/summary.json")
    if opts.update_expected:
        for name in names:
            s = summary[name]
            expected[name] = {"passed": s["passed"], "in_scope": s["in_scope"],
                              "baseline_passed": s["baseline_passed"]}
        with open(EXPECTED, "w") as fh:
            json.dump(expected, fh, indent=1, sort_keys=True)
            fh.write("\n")
        print(f"recorded in {os.path.relpath(EXPECTED, ROOT)}")
        return 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
