"""The scheduling recipes of tests/data/schedule/ read as cron and systemd read them, and their
command line run as they run it (`bash -c`, under `flock`) against the demo site: a run archives
and publishes, and a run that finds the lock held exits 75 at once without crawling."""

from __future__ import annotations

import fcntl
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from configparser import ConfigParser
from pathlib import Path

import pytest
from crontab import CronTab

from tests.conftest import ROOT, DemoSite
from tests.warc_utils import read_records, responses_by_url, tool

RECIPES = ROOT / "tests" / "data" / "schedule"
BIN = Path(sys.executable).parent
RECIPE_BIN = "/opt/threadwarc/.venv/bin"  # where the recipes say threadwarc is installed
SKIPPED = 75  # flock -E: the lock was held


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[str], timeout: float, what: str) -> None:
    """Until `condition()` holds, waking on the process's exit (which fails the wait)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} in {timeout} s")
        try:
            code = proc.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        if not condition():
            pytest.fail(f"exited {code} before {what}: {proc.communicate()}")


def check_archive(warc_dir: Path, site: DemoSite) -> None:
    """One crawl's WARCs, valid, holding every article of the site."""
    warcs = sorted(warc_dir.glob("*.warc.gz"))
    check = tool("warcio", "check", *map(str, warcs))
    assert check.returncode == 0, check.stdout[-2000:]
    assert len([w for w in warcs if "-00001-" in w.name]) == 1  # each crawl numbers its files from 1
    records = read_records(warcs)
    by_url = responses_by_url(records)
    assert all(by_url[a["url"]].status == 200 for a in site.truth["articles"])


def check_dataset(dataset_dir: Path) -> None:
    """Published at the end of the crawl (test_scrapyd.py loads one with `datasets`)."""
    assert (dataset_dir / "README.md").is_file()
    assert list((dataset_dir / "articles").glob("*.parquet"))
    assert list((dataset_dir / "comments").glob("*.parquet"))


# --- cron -----------------------------------------------------------------------------------


def cron_job():
    tab = CronTab(tabfile=str(RECIPES / "crontab"))
    unparsed = [line for line in tab.lines if isinstance(line, str) and line.strip()
                and not line.lstrip().startswith("#")]
    assert not unparsed  # python-crontab keeps a line cron would reject as text
    jobs = list(tab)
    assert len(jobs) == 1
    return jobs[0]


def test_cron_line_is_valid_and_locked():
    job = cron_job()
    assert job.is_valid()
    assert str(job.slices) == "17 * * * *"  # hourly, off the top of the hour
    assert job.stdin is None  # a bare '%' would end the command there and feed the rest to stdin
    env = dict(job.env.all())
    assert env["SHELL"] == "/bin/bash"
    assert env["PATH"].split(":")[0] == RECIPE_BIN
    assert env["THREADWARC_HOME"] == "/var/lib/threadwarc"
    assert re.search(r"\bflock -n -E 75 crawl\.lock threadwarc crawl thread ", job.command)
    assert 'exit "$rc"' in job.command


def test_cron_line_runs_one_crawl_at_a_time(demo_site, tmp_path):
    """The job line run twice as cron runs it ($SHELL -c, cron's few variables and the crontab's):
    the second, started while the first crawls, exits 75 at once; the first archives and publishes
    and prints nothing (cron would mail any output)."""
    job = cron_job()
    home = tmp_path / "threadwarc"
    (home / "logs").mkdir(parents=True)  # the README's setup step
    (home / "seeds.txt").write_text(demo_site.truth["seeds"]["index"] + "\n")
    (tmp_path / "home").mkdir()
    env = dict(job.env.all())
    env |= {"HOME": str(tmp_path / "home"), "LOGNAME": "archivist", "THREADWARC_HOME": str(home),
            "PATH": env["PATH"].replace(RECIPE_BIN, str(BIN), 1)}
    command = [env["SHELL"], "-c", job.command]

    def logs() -> str:
        return "".join(p.read_text() for p in sorted((home / "logs").glob("crawl-*.log")))

    first = subprocess.Popen(command, env=env, cwd=env["HOME"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: "Spider opened" in logs(), first, 60, "'Spider opened' in the crawl log")
        started = time.monotonic()
        second = subprocess.run(command, env=env, cwd=env["HOME"], capture_output=True, text=True,
                                timeout=60)
        took = time.monotonic() - started
        assert first.poll() is None  # the first crawl held the lock all along
        out, err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert (second.returncode, second.stderr) == (SKIPPED, "")
    assert second.stdout == (f"threadwarc crawl exited 75 (75: another crawl holds crawl.lock); "
                             f"see {home}/logs/\n")
    assert took < 5, f"the skipped run took {took:.1f} s"
    assert first.returncode == 0, logs()[-3000:]
    assert (out, err) == ("", "")
    assert logs().count("Spider opened") == 1
    check_archive(home / "warc", demo_site)
    check_dataset(home / "dataset")


# --- systemd --------------------------------------------------------------------------------


def read_unit(name: str) -> ConfigParser:
    unit = ConfigParser(interpolation=None, strict=True)  # a repeated key fails here, loudly
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    assert unit.read(RECIPES / name)
    return unit


def expand(value: str, specifiers: dict[str, Path], env: dict[str, str]) -> str:
    """What systemd makes of an ExecStart= or WorkingDirectory= value, for the few specifiers and
    variables the recipe uses; the result must be one that bash splits into the same words."""
    value = re.sub(r"%(.)", lambda m: "%" if m[1] == "%" else str(specifiers[m[1]]), value)
    value = re.sub(r"\$\{(\w+)\}", lambda m: env[m[1]], value)
    assert not set(value) & set("\\'\"$;&|<>`*?%")
    return value


def test_systemd_units_verify():
    exe = shutil.which("systemd-analyze")
    if exe is None:
        pytest.skip("systemd-analyze is not installed (no systemd here): the units are not verified")
    units = [str(RECIPES / "threadwarc-crawl.timer"), str(RECIPES / "threadwarc-crawl.service")]
    proc = subprocess.run([exe, "verify", *units], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "threadwarc-crawl" not in proc.stderr  # unknown keys and sections are only warned about
    calendar = read_unit("threadwarc-crawl.timer")["Timer"]["OnCalendar"]
    proc = subprocess.run([exe, "calendar", calendar], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Normalized form: *-*-* *:17:00" in proc.stdout


def test_systemd_service_runs_one_crawl_at_a_time(demo_site, tmp_path):
    """ExecStart= as systemd would run it (specifiers and Environment= expanded), with bash -c:
    a run while another crawl holds the lock exits 75 (a success for the unit) at once; then
    one archives and publishes."""
    service = read_unit("threadwarc-crawl.service")["Service"]
    assert (service["Type"], service["StateDirectory"], service["ConfigurationDirectory"]) == (
        "oneshot", "threadwarc", "threadwarc")
    specifiers = {"S": tmp_path / "var-lib", "E": tmp_path / "etc"}  # /var/lib, /etc
    for root in specifiers.values():  # what StateDirectory= and ConfigurationDirectory= create
        (root / "threadwarc").mkdir(parents=True)
    (specifiers["E"] / "threadwarc" / "seeds.txt").write_text(demo_site.truth["seeds"]["index"] + "\n")
    environment = dict(item.split("=", 1) for item in shlex.split(service["Environment"]))
    assert environment["THREADWARC_BIN"] == f"{RECIPE_BIN}/threadwarc"
    environment["THREADWARC_BIN"] = str(BIN / "threadwarc")
    command = expand(service["ExecStart"], specifiers, environment)
    argv = command.split()
    assert argv[:4] == ["/usr/bin/flock", "-n", "-E", str(SKIPPED)]
    assert service["SuccessExitStatus"].split() == [str(SKIPPED)]
    state = specifiers["S"] / "threadwarc"
    assert Path(argv[4]) == state / "crawl.lock"
    (tmp_path / "home").mkdir()
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8", **environment}
    cwd = expand(service["WorkingDirectory"], specifiers, environment)

    with (state / "crawl.lock").open("a") as held:  # a crawl already running into this folder
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        started = time.monotonic()
        skipped = subprocess.run(["bash", "-c", command], env=env, cwd=cwd, capture_output=True,
                                 text=True, timeout=60)
        took = time.monotonic() - started
    assert skipped.returncode == SKIPPED, skipped.stderr[-3000:]
    assert took < 5, f"the skipped run took {took:.1f} s"
    assert sorted(p.name for p in state.iterdir()) == ["crawl.lock"]  # nothing crawled

    run = subprocess.run(["bash", "-c", command], env=env, cwd=cwd, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    check_archive(state / "warc", demo_site)
    check_dataset(state / "dataset")
