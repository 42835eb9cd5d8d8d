"""pytest plugin: `--each-forked` runs every test in a forked child, so that
a crash or a hang costs that test only.

pytest-forked does the same but cannot send pytest 9's reports back (its
marshal step fails on the report's NodeId, so every test "EXITED with
status 3"); this uses pytest's own report serialisation instead.  A test
whose child dies by a signal, exits without a report, or runs past
--each-timeout seconds (SIGALRM) is reported failed with that cause.
"""
import json
import os
import signal

import pytest
from _pytest.reports import TestReport
from _pytest.runner import runtestprotocol


def pytest_addoption(parser):
    group = parser.getgroup("each-forked")
    group.addoption("--each-forked", action="store_true", default=False,
                    help="run each test in a forked child process")
    group.addoption("--each-timeout", type=int, default=300,
                    help="seconds before a forked test is killed (0: never)")


def _child(item, wfd):
    code = 0
    try:
        timeout = item.config.getoption("each_timeout")
        if timeout:
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.alarm(timeout)
        reports = runtestprotocol(item, log=False, nextitem=None)
        hook = item.config.hook
        data = [hook.pytest_report_to_serializable(config=item.config, report=r)
                for r in reports]
        payload = json.dumps(data, default=repr).encode()
        with os.fdopen(wfd, "wb") as f:
            f.write(payload)
    except BaseException:  # noqa: BLE001 - anything here is a harness failure
        code = 3
    finally:
        os._exit(code)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    if not item.config.getoption("each_forked"):
        return None
    ihook = item.ihook
    ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        _child(item, wfd)
    os.close(wfd)
    with os.fdopen(rfd, "rb") as f:
        payload = f.read()
    _, status = os.waitpid(pid, 0)
    reports = []
    if payload:
        try:
            reports = [item.config.hook.pytest_report_from_serializable(
                config=item.config, data=d) for d in json.loads(payload)]
        except ValueError:
            reports = []
        for rep in reports:  # JSON turned the (path, line, message) tuple into a list
            if isinstance(rep.longrepr, list):
                rep.longrepr = tuple(rep.longrepr)
    if not reports:
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            what = ("timed out (SIGALRM)" if sig == signal.SIGALRM
                    else f"crashed: killed by {signal.Signals(sig).name}")
        else:
            what = f"crashed: child exited with status {os.WEXITSTATUS(status)} and no report"
        reports = [TestReport(item.nodeid, item.location, {}, "failed",
                              f"{item.nodeid}: {what}", "call", [], 0.0)]
    for rep in reports:
        ihook.pytest_runtest_logreport(report=rep)
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True
