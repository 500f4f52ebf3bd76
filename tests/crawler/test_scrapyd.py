"""The scrapyd recipe for real: a scrapyd on 127.0.0.1 configured from tests/data/schedule/scrapyd.conf,
the project packaged and uploaded by `scrapyd-deploy` as the README says, a `schedule.json` crawl of
the demo site polled through `listjobs.json`, then its WARCs and its dataset read back."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from configparser import ConfigParser
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest

from tests.conftest import ROOT, DemoSite
from tests.pipelines.publishing.test_publish import load
from tests.warc_utils import read_records, responses_by_url, tool

RECIPES = ROOT / "tests" / "data" / "schedule"
BIN = Path(sys.executable).parent
PROJECT_FILES = ("scrapy.cfg", "pyproject.toml", "README.md")  # and the packages it names
PACKAGES = ("crawler", "pipelines")


@dataclass
class Scrapyd:
    url: str
    process: subprocess.Popen[bytes]
    home: Path
    log: Path

    def get(self, endpoint: str, **params: str) -> dict[str, Any]:
        with urlopen(f"{self.url}{endpoint}?{urlencode(params)}", timeout=30) as resp:
            return json.load(resp)

    def post(self, endpoint: str, fields: list[tuple[str, str]]) -> dict[str, Any]:
        with urlopen(f"{self.url}{endpoint}", data=urlencode(fields).encode(), timeout=30) as resp:
            return json.load(resp)

    def wait(self, seconds: float) -> None:
        """Waits on scrapyd's exit for at most `seconds`: a scrapyd that died fails the test."""
        try:
            code = self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return
        pytest.fail(f"scrapyd exited with {code}:\n{self.log.read_text()[-3000:]}")


def isolated_env(home: Path) -> dict[str, str]:
    """Our environment, with HOME (~/.scrapyd.conf, ~/.netrc) in the test's folder and no
    SCRAPY_*/SCRAPYD_* variables (scrapyd reads SCRAPYD_HTTP_PORT before its configuration)."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY_", "SCRAPYD_"))}
    return {**keep, "HOME": str(home)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def deps_only_python(home: Path) -> Path:
    """A virtualenv with threadwarc's dependencies but not threadwarc, as the README sets scrapyd
    up: the crawl can only run the code of the deployed egg (an installed threadwarc would come
    first on sys.path, and deploying a new version would change nothing)."""
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    # A folder named in a .pth file joins sys.path, but the .pth files in it are not read: ours
    # hold the editable install of threadwarc, which stays out.
    Path(site, "threadwarc-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    probe = "import importlib.util as u; print(*(m for m in {!r} if u.find_spec(m)))".format(
        ("scrapyd", "scrapy", "warcio", "crawler", "pipelines"))
    found = subprocess.run([str(python), "-c", probe], cwd=home, capture_output=True, text=True,
                           check=True, timeout=60).stdout.split()
    assert found == ["scrapyd", "scrapy", "warcio"]
    return python


def start_scrapyd(python: Path, home: Path, recipe: ConfigParser) -> Scrapyd | None:
    """scrapyd on a free port (it cannot listen on port 0), or None if the port was taken."""
    port = free_port()
    conf = ConfigParser(interpolation=None)
    conf.read_dict(recipe)
    conf["scrapyd"].update(
        http_port=str(port), eggs_dir=str(home / "eggs"), logs_dir=str(home / "logs"),
        dbs_dir=str(home / "dbs"), poll_interval="0.2",  # launch a queued job in 0.2 s, not 5
    )
    with (home / "scrapyd.conf").open("w") as fh:  # read from the folder scrapyd starts in
        conf.write(fh)
    log = home / f"scrapyd-{port}.log"
    with log.open("wb") as out:  # a file, not a pipe: scrapyd logs every request
        proc = subprocess.Popen([str(python), "-m", "scrapyd"], cwd=home, stdout=out,
                                stderr=subprocess.STDOUT, env=isolated_env(home))
    server = Scrapyd(f"http://127.0.0.1:{port}/", proc, home, log)
    deadline = time.monotonic() + 30
    while f"Site starting on {port}" not in log.read_text():
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            pytest.fail(f"scrapyd did not start in 30 s:\n{log.read_text()[-3000:]}")
        try:
            proc.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        if "Address already in use" in log.read_text():
            return None
        pytest.fail(f"scrapyd exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
    return server


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scrapyd]:
    home = tmp_path_factory.mktemp("scrapyd")
    recipe = ConfigParser(interpolation=None)
    assert recipe.read(RECIPES / "scrapyd.conf")
    python = deps_only_python(home)
    server = None
    for _ in range(3):  # another process may take the free port before scrapyd binds it
        if server := start_scrapyd(python, home, recipe):
            break
    assert server, "no free port for scrapyd in 3 tries"
    yield server
    running = []
    with contextlib.suppress(OSError):  # scrapyd may be the thing that failed
        running = [job["pid"] for job in server.get("listjobs.json")["running"]]
    server.process.terminate()
    server.process.wait(timeout=30)
    for pid in running:  # a crawl left running by a failed test: it is ours
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def deployed(scrapyd: Scrapyd, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`scrapyd-deploy` in a copy of the project: it writes setup.py, build/ and an egg-info
    folder beside scrapy.cfg, which the work tree should not get from a test run."""
    project = tmp_path_factory.mktemp("project")
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, project / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, project / package, ignore=shutil.ignore_patterns("__pycache__"))
    with (project / "scrapy.cfg").open("a") as cfg:  # a second target, as the README suggests
        cfg.write(f"\n[deploy:test]\nurl = {scrapyd.url}\n")
    proc = subprocess.run([str(BIN / "scrapyd-deploy"), "test", "--version", "r1"], cwd=project,
                          capture_output=True, text=True, timeout=120, env=isolated_env(scrapyd.home))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_scrapy_cfg_names_the_scrapyd_target():
    cfg = ConfigParser()
    cfg.read(ROOT / "scrapy.cfg")
    assert cfg["settings"]["default"] == "crawler.settings"
    assert cfg["deploy"]["url"] == "http://localhost:6800/"
    assert cfg["deploy"]["project"] == "threadwarc"


def test_deploy_uploads_an_egg_of_the_project(scrapyd, deployed):
    assert deployed["status"] == "ok", deployed  # scrapyd-deploy exits 0 whatever scrapyd answered
    assert (deployed["project"], deployed["version"], deployed["spiders"]) == ("threadwarc", "r1", 1)
    with zipfile.ZipFile(scrapyd.home / "eggs" / "threadwarc" / "r1.egg") as egg:
        names = set(egg.namelist())
        top_level = egg.read("EGG-INFO/top_level.txt").decode().split()
        entry_points = egg.read("EGG-INFO/entry_points.txt").decode()
    assert {"crawler/spiders/thread.py", "crawler/commands/crawl.py", "pipelines/archiving/sink.py"} <= names
    assert sorted(top_level) == ["crawler", "pipelines"]  # no tests/, demosite/, bench/
    # scrapyd's runner finds the settings by this entry point; with a [project] table,
    # setuptools ignores the one in the setup.py scrapyd-deploy writes, so pyproject.toml
    # must declare it: [project.entry-points.scrapy] settings = "crawler.settings"
    assert "[scrapy]\nsettings = crawler.settings" in entry_points
    assert scrapyd.get("listspiders.json", project="threadwarc")["spiders"] == ["thread"]


@pytest.fixture(scope="module")
def jobs(scrapyd: Scrapyd, deployed: dict[str, Any], demo_site: DemoSite,
         tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Two crawls scheduled at once: the demo site, then a seed that refuses connections (a short
    crawl). With the recipe's max_proc = 1 the second waits for the first."""
    ids, outs = [], []
    for seed in (demo_site.truth["seeds"]["index"], "http://127.0.0.1:9/"):
        out = tmp_path_factory.mktemp("scrapyd-out")
        scheduled = scrapyd.post("schedule.json", [
            ("project", "threadwarc"), ("spider", "thread"), ("start_urls", seed),
            ("setting", f"WARC_DIR={out / 'warc'}"), ("setting", f"DATASET_DIR={out / 'dataset'}"),
        ])
        assert scheduled["status"] == "ok", scheduled
        ids.append(scheduled["jobid"])
        outs.append(out)
    deadline = time.monotonic() + 90
    while len(done := {j["id"]: j for j in scrapyd.get("listjobs.json", project="threadwarc")["finished"]
                       if j["id"] in ids}) < len(ids):
        if time.monotonic() > deadline:
            pytest.fail(f"jobs {ids} not finished in 90 s:\n{scrapyd.log.read_text()[-3000:]}")
        scrapyd.wait(0.25)
    return [{**done[jobid], "out": out} for jobid, out in zip(ids, outs, strict=True)]


@pytest.fixture(scope="module")
def job(jobs: list[dict[str, Any]]) -> dict[str, Any]:
    return jobs[0]


def test_scheduled_crawls_never_overlap(jobs):
    first, second = jobs
    assert datetime.fromisoformat(second["start_time"]) >= datetime.fromisoformat(first["end_time"])


def test_a_failed_crawl_is_a_died_process_in_scrapyd_log(scrapyd, jobs):
    """listjobs.json lists a failed job as finished; scrapyd's log has the crawl's exit code."""
    assert re.search(rf"Process died: exitstatus=[1-9]\d* project='threadwarc' spider='thread' "
                     rf"job='{jobs[1]['id']}'", scrapyd.log.read_text())


def test_scheduled_crawl_exits_0_and_archives_the_site(scrapyd, job, demo_site):
    log = scrapyd.log.read_text()
    assert f"Process finished: project='threadwarc' spider='thread' job='{job['id']}'" in log  # exit 0
    crawl_log = (scrapyd.home / "logs" / "threadwarc" / "thread" / f"{job['id']}.log").read_text()
    assert "'finish_reason': 'finished'" in crawl_log
    warcs = sorted((job["out"] / "warc").glob("*.warc.gz"))
    check = tool("warcio", "check", *map(str, warcs))
    assert check.returncode == 0, check.stdout[-2000:]
    records = read_records(warcs)
    assert [r.type for r in records].count("warcinfo") == len(warcs)
    by_url = responses_by_url(records)
    assert all(by_url[a["url"]].status == 200 for a in demo_site.truth["articles"])
    archived = {r.url for r in records if r.type in ("response", "revisit")}  # a permalink repeats its page
    expected = {u for a in demo_site.truth["articles"] for u in (*a["thread_pages"], *a["permalinks"])}
    assert not sorted(expected - archived)[:5]


def test_scheduled_crawl_publishes_its_dataset(job, demo_site, hf_home):
    truth = {a["url"]: a for a in demo_site.truth["articles"]}
    articles = {r["canonical_url"]: r for r in load(job["out"] / "dataset", "articles", hf_home)}
    assert sorted(articles) == sorted(truth)
    assert {u: r["comment_count"] for u, r in articles.items()} == {
        u: a["comment_count"] for u, a in truth.items()}
    comments = load(job["out"] / "dataset", "comments", hf_home)
    assert len(comments) == sum(len(a["comments"]) for a in truth.values())
