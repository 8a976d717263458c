"""Ctrl-C (SIGINT to the whole process group, as a terminal sends it) of real commands: exit 130, no worker
traceback, and one line that says what is on disk and how to continue."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import SCENARIOS

BASELINE = str(SCENARIOS / "baseline.yaml")


def _ctrl_c(args: list[str], ready, cwd: Path, timeout: float = 90) -> tuple[int, str]:
    """Start ``innosim args`` in its own process group, wait until ``ready()``, send SIGINT to the group."""
    proc = subprocess.Popen([sys.executable, "-m", "innosim.experiments.cli", *args], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + timeout
    while not ready() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert proc.poll() is None, "finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def _last_line(err: str) -> str:
    assert "Traceback" not in err, err
    return err.strip().splitlines()[-1]


def test_ctrl_c_of_sweep_names_the_store_and_the_resume_command(tmp_path):
    spec = tmp_path / "tiny.yaml"
    spec.write_text(f"name: tiny\nbase: {BASELINE}\naxes: [{{field: budget_scale, values: [1.0, 2.5]}}]\n"
                    "runs: {draws: 30}\n", encoding="utf-8")
    store = tmp_path / "results" / "sweeps" / "tiny" / "store"  # the default folder, found by the message
    rc, err = _ctrl_c(["sweep", str(spec), "--workers", "2", "--flush-every", "2", "--quiet"],
                      lambda: store.is_dir() and any(store.glob("part-*.parquet")), tmp_path)
    line = _last_line(err)
    assert rc == 130 and "results/sweeps/tiny/store keeps" in line and "finished runs" in line, line
    again = shlex.split(line.split("continue with: ")[1])
    assert again[-3:] == ["--out", "results/sweeps/tiny", "--resume"] and "--flush-every" in again
    assert not (store.parent / "manifest.json").exists()


def test_ctrl_c_of_compare_has_no_worker_traceback(tmp_path):
    out = tmp_path / "cmp"
    rc, err = _ctrl_c(["compare", BASELINE, "--replicates", "40", "--workers", "2", "--quiet", "--out", str(out)],
                      lambda: any(out.glob(".innosim-partial-*")), tmp_path)
    line = _last_line(err)
    assert rc == 130 and "nothing was written" in line and len(err.strip().splitlines()) == 1, err
    assert not out.exists()  # the claimed folder, its lock and staging are given up


def _first_worker(parent: psutil.Process) -> bool:
    """Whether a multiprocessing worker of ``parent`` has been started (it is then importing innosim)."""
    for p in parent.children():
        try:
            if "spawn_main" in " ".join(p.cmdline()):
                return True
        except psutil.Error:
            pass
    return False


def _interrupt_when(proc, ready, after: float, poll: float):
    """Ctrl-C to ``proc``'s process group ``after`` seconds once ``ready(parent)`` holds (at most 120 s); returns
    its stderr and the child processes still alive 10 s after it ended (killed, so none outlive the test)."""
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 120
    while not ready(parent) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(poll)
    time.sleep(after)
    assert proc.poll() is None, "finished before it could be interrupted"
    kids = parent.children(recursive=True)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        alive = [p for p in psutil.wait_procs(kids, timeout=10)[1] if p.status() != psutil.STATUS_ZOMBIE]
        for p in alive:
            p.kill()
    return err, alive


@pytest.mark.parametrize("after", [0.0, 0.5])
def test_ctrl_c_while_workers_start_has_no_worker_traceback(after, tmp_path):
    """SIGINT to the group at fixed moments after the first local worker process appears — while the workers
    import, before their initializer has run (the window of issue 17's flake): exit 130, the one line, no
    traceback from the command or a worker, no process left, nothing written."""
    out = tmp_path / "cmp"
    proc = subprocess.Popen([sys.executable, "-m", "innosim.experiments.cli", "compare", BASELINE, "--replicates",
                             "40", "--workers", "2", "--quiet", "--out", str(out)], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    err, alive = _interrupt_when(proc, _first_worker, after, 0.01)
    assert proc.returncode == 130 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "nothing was written" in err, err
    assert not alive, f"outlived the command: {[p.pid for p in alive]}"
    assert not out.exists()


def test_ctrl_c_while_the_command_starts_is_one_line(tmp_path):
    """SIGINT while the command itself is still importing its modules: the one line, exit 130, no traceback."""
    proc = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "innosim.experiments.cli", "run", BASELINE,
                             "--replicates", "4", "--quiet", "--out", str(tmp_path / "o")], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen = b""
    os.set_blocking(proc.stderr.fileno(), False)
    deadline = time.monotonic() + 60
    while b"matplotlib" not in seen and time.monotonic() < deadline and proc.poll() is None:
        seen += proc.stderr.buffer.read1(65536) or b""  # -X importtime: one line per module as it is imported
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGINT)
    os.set_blocking(proc.stderr.fileno(), True)
    rest = proc.stderr.buffer.read().decode()
    proc.wait(timeout=60)
    lines = (seen.decode(errors="replace") + rest).splitlines()
    err = "\n".join(ln for ln in lines if not ln.startswith("import time:"))
    assert proc.returncode == 130 and "Traceback" not in err, err
    # STARTING, or (on a fast machine, if matplotlib was imported before the signal came) the run's own line
    assert len(err.strip().splitlines()) == 1 and "nothing was written" in err, err
    assert not (tmp_path / "o").exists()


def test_ctrl_c_of_calibrate_says_history_db_is_kept(tmp_path):
    out = tmp_path / "cal"
    rc, err = _ctrl_c(["calibrate", "--scenario", BASELINE, "--population-size", "10", "--generations", "8",
                       "--workers", "2", "--out", str(out)], lambda: (out / "history.db").is_file(), tmp_path)
    line = _last_line(err)
    assert rc == 130 and "history.db" in line and "nothing was written" not in line, line
    assert line.endswith(f"--out {out} --resume"), line


def test_ctrl_c_of_run_leaves_nothing(tmp_path):
    out = tmp_path / "o"
    rc, err = _ctrl_c(["run", BASELINE, "--replicates", "40", "--quiet", "--out", str(out)],
                      lambda: any(out.glob(".innosim-partial-*")), tmp_path)
    assert rc == 130 and "nothing was written" in _last_line(err)
    assert not out.exists()


@pytest.mark.parametrize("after", [0.0, 0.3, 1.0])
def test_ctrl_c_while_a_dask_local_cluster_starts(after, tmp_path):
    """SIGINT to the group just after the first child process appears (the resource tracker or a worker being
    spawned: the cluster is starting, whatever the machine's load): exit 130, the one line, no traceback from the
    command or its workers, no process left."""
    pytest.importorskip("distributed")
    spec = tmp_path / "tiny.yaml"
    spec.write_text(f"name: tiny\nbase: {BASELINE}\naxes: [{{field: budget_scale, values: [1.0, 2.5]}}]\n"
                    "runs: {draws: 30}\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "innosim.experiments.cli", "sweep", str(spec), "--backend",
                             "dask", "--workers", "2", "--quiet", "--out", str(out)], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    err, alive = _interrupt_when(proc, lambda parent: parent.children(), after, 0.02)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith("innosim: interrupted"), err
    assert not alive, f"outlived the command: {[p.pid for p in alive]}"
    assert not (out / "manifest.json").exists()


def test_ctrl_c_while_spawning_is_held_until_the_workers_are_started():
    """The process's other threads do not block SIGINT (numpy's and pyarrow's are started before any worker); one of
    them takes the Ctrl-C. It must still not interrupt the main thread half-way through starting workers: it is
    raised once ``spawning()`` ends, and the handler and mask are as before."""
    from innosim.experiments.runs.executors import spawning

    idle = threading.Event()
    other = threading.Thread(target=idle.wait, daemon=True)  # SIGINT not blocked in it
    other.start()
    handler, mask = signal.getsignal(signal.SIGINT), signal.pthread_sigmask(signal.SIG_BLOCK, set())
    steps = []
    try:
        with pytest.raises(KeyboardInterrupt):
            with spawning():
                os.kill(os.getpid(), signal.SIGINT)
                for _ in range(20):  # many chances for Python to run a handler
                    time.sleep(0.01)
                steps.append("all workers started")
    finally:
        idle.set()
        other.join()
    assert steps == ["all workers started"]
    assert signal.getsignal(signal.SIGINT) is handler and signal.pthread_sigmask(signal.SIG_BLOCK, set()) == mask


@pytest.mark.parametrize("argv", [["run", "s.yaml"], ["compare", "s.yaml"], ["response", "s.yaml"], ["brief", "r/"],
                                  ["validate", "s.yaml"], ["explore", "--port", "9"], ["calibrate"], ["backtest"],
                                  ["sweep", "x.yaml"], ["sensitivity", "s.yaml"]])
def test_every_command_says_what_ctrl_c_left(argv, tmp_path, monkeypatch):
    """Each command's interrupt line says what is on disk, and what to run next where there is something to
    continue (the end-to-end tests above cover run, compare, sweep and calibrate on real process groups)."""
    from innosim.experiments.cli import build_parser
    from innosim.experiments.runs.stopped import interrupted

    monkeypatch.chdir(tmp_path)
    line = interrupted(build_parser().parse_args(argv), argv, time.time())
    assert line.startswith(("interrupted", "stopped")) and "\n" not in line, line
    if argv[0] == "explore":
        assert "results/" in line and line.endswith("innosim explore --port 9"), line
    elif argv[0] in ("run", "compare", "response", "brief", "validate"):
        assert "writes nothing" in line or "nothing was written" in line, line
    else:  # nothing started yet in this empty folder: nothing to continue
        assert "run it again" in line, line


def test_spawning_leaves_an_ignored_ctrl_c_ignored():
    """A command started with SIGINT ignored (a background job) keeps ignoring it while workers start."""
    from innosim.experiments.runs.executors import spawning

    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with spawning():
            assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


def test_ctrl_c_of_backtest_says_what_its_calibration_keeps(tmp_path):
    """A backtest's calibration is in <folder>/calibration: Ctrl-C names its history.db and the backtest command that
    continues (not the generic "nothing was written")."""
    out = tmp_path / "bt"
    rc, err = _ctrl_c(["backtest", "--scenario", BASELINE, "--population-size", "10", "--generations", "8",
                       "--workers", "2", "--out", str(out)], lambda: (out / "calibration" / "history.db").is_file(),
                      tmp_path)
    line = _last_line(err)
    assert rc == 130 and f"{out}/calibration/ holds history.db" in line and "nothing" not in line, line
    again = shlex.split(line.split("continue with: ")[1])
    assert again[:2] == ["innosim", "backtest"] and again[-3:] == ["--out", str(out), "--resume"], line
    assert not (out / "manifest.json").exists()


def _backtest_line(tmp_path, argv: list[str]) -> str:
    from innosim.experiments.cli import build_parser
    from innosim.experiments.runs.stopped import interrupted

    return interrupted(build_parser().parse_args(argv), argv, time.time() - 1)


def test_backtest_interrupt_line_follows_its_calibration_folder(tmp_path, monkeypatch):
    """Before the first generation: nothing to continue; with history.db: the generations kept; with a finished
    calibration (stopped while scoring): that calibration kept. The default folder is found under results/."""
    monkeypatch.chdir(tmp_path)
    argv = ["backtest", "--through", "2021"]
    assert "nothing was written" in _backtest_line(tmp_path, argv)
    cal = tmp_path / "results" / "backtest-2" / "calibration"
    cal.mkdir(parents=True)
    (cal / "history.db").write_bytes(b"")
    line = _backtest_line(tmp_path, argv)
    assert line.startswith("interrupted; results/backtest-2/calibration/ holds history.db"), line
    assert line.endswith("innosim backtest --through 2021 --out results/backtest-2 --resume"), line
    (cal / "manifest.json").write_text("{}", encoding="utf-8")
    line = _backtest_line(tmp_path, argv)
    assert line.startswith("interrupted while scoring; results/backtest-2/calibration/ holds the finished"), line
    assert line.endswith("--out results/backtest-2 --resume"), line


def test_calibration_stopped_before_its_first_generation_leaves_no_folder(tmp_path, monkeypatch):
    """Its line says "nothing to continue — run it again": so no folder holding only calibration.json is left, which
    would make the same command (with the same --out) fail as "not empty"."""
    from innosim.experiments.calibrate import command
    from innosim.experiments.calibrate.command import CalibrateRequest, calibrate

    def stopped_while_workers_start(req, folder, settings, *rest):
        (folder / command.SETTINGS).write_text("{}", encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "_calibrate_into", stopped_while_workers_start)
    with pytest.raises(KeyboardInterrupt):
        calibrate(CalibrateRequest(BASELINE, 10, 1, 1, None, str(tmp_path / "cal")))
    assert not (tmp_path / "cal").exists()


def test_a_ctrl_c_python_drops_in_a_weakref_callback_is_raised_at_the_next_check(capfd):
    """A KeyboardInterrupt raised inside a weakref callback (the import system releases its module locks through
    them) cannot propagate: Python prints "Exception ignored in ..." and goes on, and the Ctrl-C was lost. Under
    ``CtrlC`` it is kept, nothing is printed, and ``check()`` (cli.py after start-up, the executors after every
    task) raises it; the hook and handler are given back afterwards."""
    import weakref

    from innosim.experiments.runs.stopped import CtrlC, check

    class Thing:
        pass

    def callback(_):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):  # the handler runs in here
            pass

    handler, hook, steps = signal.getsignal(signal.SIGINT), sys.unraisablehook, []
    with pytest.raises(KeyboardInterrupt):
        with CtrlC() as ctrl_c:
            thing = Thing()
            ref = weakref.ref(thing, callback)
            del thing
            steps.append("went on after the callback")
            check()
            steps.append("after check")
    assert ref() is None and ctrl_c.seen and steps == ["went on after the callback"]
    assert "Exception ignored" not in capfd.readouterr().err
    assert signal.getsignal(signal.SIGINT) is handler and sys.unraisablehook is hook
    check()  # nothing pending any more


def test_ctrl_c_caught_after_it_ended_exec_code_still_exits_130(tmp_path):
    """A Ctrl-C that lands while code made by exec() of a string runs (dataclasses, namedtuple and pydantic build
    their methods so while modules import) ends that code with KeyboardInterrupt; main() catches it, prints the line
    and returns 130 — and ``python -m`` used to exit by SIGINT all the same (status -2, CPython's flag for an
    uncaught Ctrl-C stayed set). Deterministic: the Ctrl-C is sent from inside exec'd code."""
    (tmp_path / "ctrl_c_in_exec.py").write_text(
        "import os, signal, sys\n"
        "from innosim.experiments import cli\n"
        "guard = cli._guard\n"
        "def _guard(a):\n"
        "    guard(a)\n"
        "    exec('os.kill(os.getpid(), signal.SIGINT)\\nfor _ in range(100): pass')\n"
        "cli._guard = _guard\n"
        f"sys.exit(cli.main(['validate', {BASELINE!r}]))\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "ctrl_c_in_exec"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 130, (r.returncode, r.stderr)
    assert r.stderr.strip() == "innosim: interrupted; validate writes nothing", r.stderr


def test_a_ctrl_c_dropped_while_the_command_starts_stops_it(tmp_path):
    """End to end: the Ctrl-C lands in a weakref callback just before the command begins (as it can while modules
    import). It used to be lost: "Exception ignored in ..." and the run went on to write its results (exit 0). Now
    the command stops with the one line and 130, and nothing is written."""
    (tmp_path / "lost_ctrl_c.py").write_text(
        "import os, signal, sys, weakref\n"
        "from innosim.experiments import cli\n"
        "guard = cli._guard\n"
        "class Thing:\n"
        "    pass\n"
        "def callback(_):\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    for _ in range(100):\n"
        "        pass\n"
        "def _guard(a):\n"
        "    guard(a)\n"
        "    thing = Thing()\n"
        "    ref = weakref.ref(thing, callback)\n"
        "    del thing\n"
        "cli._guard = _guard\n"
        "sys.exit(cli.main(sys.argv[1:]))\n", encoding="utf-8")
    out = tmp_path / "o"
    r = subprocess.run([sys.executable, "-m", "lost_ctrl_c", "run", BASELINE, "--replicates", "2", "--quiet", "--out",
                        str(out)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 130 and len(r.stderr.strip().splitlines()) == 1, (r.returncode, r.stderr)
    assert "nothing was written" in r.stderr and not out.exists(), r.stderr


def test_executors_raise_a_dropped_ctrl_c_before_the_next_task(monkeypatch):
    """The executors' check point: a Ctrl-C kept by ``CtrlC`` is raised before another task is run or handed back."""
    from innosim.experiments.runs import executors
    from innosim.experiments.runs.executors import SerialExecutor
    from innosim.experiments.runs.stopped import CtrlC

    monkeypatch.setattr(executors, "_freeze_once", lambda: None)  # no gc.freeze() of the test process
    ran = []
    with CtrlC() as ctrl_c, SerialExecutor() as ex:
        results = ex.imap(lambda ctx, item: ran.append(item) or item, None, [1, 2, 3])
        assert next(results) == 1
        ctrl_c.seen = ctrl_c.lost = True  # as the hook leaves it after a dropped Ctrl-C
        with pytest.raises(KeyboardInterrupt):
            next(results)
    assert ran == [1] and not ctrl_c.lost


def test_a_dropped_ctrl_c_stops_the_command_before_it_publishes(tmp_path):
    """Results are written (tables, charts: many lazy imports) after the last task: a Ctrl-C Python dropped then is
    raised when the staged files would be published, so the command stops and nothing is moved into place."""
    from innosim.experiments.runs.folders import claim_out_dir
    from innosim.experiments.runs.stopped import CtrlC

    claim = claim_out_dir(str(tmp_path / "o"), "run")
    (claim.staging() / "annual.csv").write_text("x\n", encoding="utf-8")
    with CtrlC() as ctrl_c:
        ctrl_c.seen = ctrl_c.lost = True  # as the hook leaves it after a dropped Ctrl-C
        with pytest.raises(KeyboardInterrupt):
            claim.publish()
    claim.abandon()
    assert not (tmp_path / "o").exists()


def test_ctrl_c_after_the_results_were_published_says_they_are_complete(tmp_path, monkeypatch):
    """A Ctrl-C while the summary prints (the folder already published) names the complete folder instead of
    saying that nothing was written; the next command in the same process starts from a clean slate."""
    from innosim.experiments import cli
    from innosim.experiments.runs import stopped

    monkeypatch.chdir(tmp_path)
    out = tmp_path / "o"

    def interrupted_summary(*_a, **_k):
        raise KeyboardInterrupt  # as if Ctrl-C landed while the target table was printed

    monkeypatch.setattr("innosim.experiments.runs.command.format_summary", interrupted_summary)
    assert cli.main(["run", BASELINE, "--replicates", "2", "--quiet", "--out", str(out)]) == 130
    assert (out / "manifest.json").is_file()
    assert stopped.PUBLISHED == [out]
    line = stopped.interrupted(cli.build_parser().parse_args(["run", "s.yaml"]), ["run", "s.yaml"], time.time())
    assert f"{out}/ is complete" in line and "nothing was written" not in line, line
    assert cli.main(["validate", BASELINE]) == 0 and stopped.PUBLISHED == []
