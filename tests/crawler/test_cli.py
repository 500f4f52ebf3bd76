"""threadwarc's own command line (crawler/cli.py), run as a user runs it: real subprocesses.

The listing, `--version`, help rendered as written, a usage or configuration error in one line
with exit 2, and a crawl that never asks the network for the public suffix list
(crawler/offline.py)."""

from __future__ import annotations

import itertools
import os
import platform
import re
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from crawler.commands.crawl import ENDED_EARLY, EXIT_CODES
from crawler.offline import SUFFIX_LIST_URLS, use_bundled_suffix_list
from tests.conftest import CRAWL_ENV, ROOT, DemoSite, crawl_command
from tests.warc_utils import BIN

THREADWARC = str(BIN / "threadwarc")
ENV = {**CRAWL_ENV, "COLUMNS": "80"}
SCRAPY_ONLY = ("bench", "check", "edit", "fetch", "genspider", "list", "parse", "runspider",
               "settings", "shell", "startproject", "version", "view")


def run(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60,
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, cwd=cwd, env=env or ENV,
                          timeout=timeout)


def our_commands() -> set[str]:
    """What threadwarc ships, from the sources: crawler/commands/*.py and its entry points."""
    modules = {p.stem for p in (ROOT / "crawler" / "commands").glob("*.py") if p.stem != "__init__"}
    entry_points = {ep.name for ep in metadata.distribution("threadwarc").entry_points
                    if ep.group == "scrapy.commands"}
    return modules | entry_points


def listed(help_text: str) -> list[str]:
    """The command names of the help's "Commands:" section, in order."""
    section = help_text.split("\nCommands:\n", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^  (\S+)  ", section, flags=re.M)


def headings(help_text: str) -> list[str]:
    """The underlined lines of a help (the line above a line of only = or -)."""
    lines = help_text.splitlines()
    return [above for above, line in itertools.pairwise(lines) if re.fullmatch(r"=+|-+", line)]


@pytest.mark.parametrize("argv", [
    [THREADWARC, "--help"], [THREADWARC], [THREADWARC, "-h"], [sys.executable, "-m", "crawler", "--help"],
], ids=["--help", "no-arguments", "-h", "python-m-crawler"])
def test_the_help_lists_threadwarcs_commands_and_key_options(tmp_path, argv):
    proc = run(*argv, cwd=tmp_path)  # not the project folder: from anywhere
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert listed(proc.stdout) == ["crawl", "seed", "publish", "demo", "warc-repair"]
    assert set(listed(proc.stdout)) == our_commands()
    for scrapy_command in SCRAPY_ONLY:
        assert not re.search(rf"^\s+{scrapy_command}\s", proc.stdout, flags=re.M), scrapy_command
    for option in ("-a start_urls=URL[,URL...]", "-a seeds=FILE", "-s WARC_DIR=DIR", "-s DATASET_DIR=DIR",
                   "-V, --version"):
        assert option in proc.stdout
    prog = "python -m crawler" if argv[0] == sys.executable else "threadwarc"
    assert f"Usage: {prog} <command> [options] [args]" in proc.stdout


@pytest.mark.parametrize("command", ["crawl", "seed", "publish", "demo", "warc-repair"])
def test_each_listed_command_runs_and_its_help_renders_as_written(tmp_path, command):
    proc = run(THREADWARC, command, "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"Usage\n=====\n  threadwarc {command} ")
    # only argparse's section headings are underlined, none title-cased from a help line
    assert headings(proc.stdout) == ["Usage", "Options", "Global Options"]


def test_the_demo_help_keeps_its_words(tmp_path):
    proc = run(THREADWARC, "demo", "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    assert "which platform's markup the demo site uses: discourse, drupal7," in text
    assert "(default: drupal7)" in text
    assert "Platform'S" not in proc.stdout


def test_the_crawl_help_documents_seeds_settings_and_exit_codes(tmp_path):
    proc = run(THREADWARC, "crawl", "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    usage = "threadwarc crawl thread (-a start_urls=URL[,URL...] | -a seeds=FILE) [options]"
    assert f"\n  {usage}\n" in proc.stdout
    rows = re.findall(r"^  (-[as] \S+)  ", proc.stdout, flags=re.M)
    assert rows[:4] == ["-a start_urls=URL[,URL...]", "-a seeds=FILE", "-s WARC_DIR=DIR",
                        "-s DATASET_DIR=DIR"]
    text = " ".join(proc.stdout.split())
    for code, meaning in EXIT_CODES.items():
        assert f"{code} {meaning}" in text
    assert 'README.md, "Exit codes"' in text


def test_scrapys_own_commands_still_run_unlisted(tmp_path):
    proc = run(THREADWARC, "settings", "--get", "BOT_NAME", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "threadwarc\n")


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_names_threadwarc_and_its_main_dependencies(tmp_path, flag):
    proc = run(THREADWARC, flag, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    first, *rows = proc.stdout.splitlines()
    assert first == f"threadwarc {metadata.version('threadwarc')}"
    versions = dict(row.split() for row in rows)
    assert versions == {
        "python": platform.python_version(),
        **{name: metadata.version(name) for name in ("scrapy", "warcio", "trafilatura", "pyarrow", "datasets",
                                                    "huggingface-hub", "cdxj-indexer", "wacz")},
    }


@pytest.mark.parametrize(("args", "error"), [
    (["bogus"], "threadwarc: error: unknown command 'bogus'"),
    (["--bogus"], "threadwarc: error: unrecognized option --bogus (options go after the command)"),
    (["-s", "WARC_DIR=x", "crawl"], "threadwarc: error: unknown command 'WARC_DIR=x' (options go after "
                                    "the command)"),
    (["crawl"], "threadwarc crawl: error: name the spider: `crawl thread -a start_urls=URL`"),
    (["crawl", "thread", "news"], "threadwarc crawl: error: one spider at a time, not thread news: "
                                  "`crawl thread -a start_urls=URL`"),
    (["crawl", "thread", "--bogus", "-a", "start_urls=http://127.0.0.1:9/"],
     "threadwarc crawl: error: unrecognized option: --bogus"),
    (["crawl", "thread", "-s", "CONCURRENT_REQUESTS=abc"],
     "threadwarc crawl: error: -s CONCURRENT_REQUESTS=abc: CONCURRENT_REQUESTS takes a number (default: 16)"),
    (["crawl", "thread", "-s", "ROBOTSTXT_OBEY=maybe"],
     "threadwarc crawl: error: -s ROBOTSTXT_OBEY=maybe: ROBOTSTXT_OBEY takes a boolean (True/False, "
     "true/false, 1/0) (default: True)"),
    (["crawl", "thread", "-s", "WARC_DIR"], "threadwarc crawl: error: Invalid -s value, use -s NAME=VALUE"),
    (["crawl", "thread", "-L", "loud"], "threadwarc crawl: error: -L loud: not a log level (one of "
                                        "CRITICAL, ERROR, WARNING, INFO, DEBUG)"),
    (["crawl", "thread", "-s", "LOG_LEVEL=loud"], "threadwarc crawl: error: LOG_LEVEL=loud: not a log "
                                                  "level (one of CRITICAL, ERROR, WARNING, INFO, DEBUG)"),
    # Scrapy reads it before any command runs (which crawler process): a traceback before
    (["demo", "-s", "TWISTED_REACTOR_ENABLED=x"],
     "threadwarc demo: error: -s TWISTED_REACTOR_ENABLED=x: TWISTED_REACTOR_ENABLED takes a boolean "
     "(True/False, true/false, 1/0) (default: True)"),
    (["demo", "--bogus"], "threadwarc demo: error: unrecognized option: --bogus"),
    (["demo", "now"], "threadwarc demo: error: demo takes no arguments, got: now"),
    (["warc-repair", "--bogus", "warc/"], "threadwarc warc-repair: error: unrecognized option: --bogus"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_a_usage_or_configuration_error_is_one_line_and_exit_2(tmp_path, args, error):
    proc = run(THREADWARC, *args, cwd=tmp_path)  # WARC_DIR: warc (crawl), warc/demo (demo)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert error in proc.stderr.splitlines()[-2:], proc.stderr
    assert " INFO: " not in proc.stderr  # said before the crawl's log begins
    assert not (tmp_path / "warc").exists()  # nothing ran


def test_what_scrapy_reads_as_its_type_passes_the_check(tmp_path):
    """An int setting given a decimal (Scrapy reads DOWNLOAD_DELAY as a float) and a log level in
    lower case get past the options: the crawl then stops on its seeds, as it should."""
    proc = run(THREADWARC, "crawl", "thread", "-s", "DOWNLOAD_DELAY=0.5", "-L", "debug",
               "-s", f"WARC_DIR={tmp_path / 'warc'}", "-a", f"seeds={tmp_path / 'none.txt'}", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert (f" ERROR: Not crawling: cannot read seeds file {tmp_path / 'none.txt'}: No such file or "
            "directory\n") in proc.stderr  # (its traceback follows, at DEBUG)
    assert " [crawler.commands.crawl] DEBUG: The crawl could not start\n" in proc.stderr


class Recorder(socketserver.ThreadingTCPServer):
    """A proxy that answers nothing: each connection's first bytes (`CONNECT host:443`) kept."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), RecordingHandler)
        self.seen: list[bytes] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class RecordingHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.settimeout(5)
        self.server.seen.append(self.request.recv(200))  # type: ignore[attr-defined]


@pytest.fixture
def proxy() -> Iterator[Recorder]:
    with Recorder() as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield server
        server.shutdown()
        thread.join()


def offline_env(proxy: Recorder, cache: Path, hf_home: Path) -> dict[str, str]:
    """Any fetch beyond loopback goes to the recorder (requests, urllib, httpx honour these);
    an empty tldextract cache, so a list cached before cannot hide a download."""
    env = {k: v for k, v in ENV.items() if k.upper() not in ("NO_PROXY", SUFFIX_LIST_URLS)}
    return env | {"HTTP_PROXY": proxy.url, "HTTPS_PROXY": proxy.url, "ALL_PROXY": proxy.url,
                  "http_proxy": proxy.url, "https_proxy": proxy.url, "all_proxy": proxy.url,
                  "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
                  "TLDEXTRACT_CACHE": str(cache), "HF_HOME": str(hf_home)}


def test_the_recorder_sees_what_tldextract_does_by_default(tmp_path, proxy, hf_home):
    """The detector works: tldextract left to its defaults asks publicsuffix.org through it."""
    env = offline_env(proxy, tmp_path / "tldextract", hf_home)
    proc = run(sys.executable, "-c", "import tldextract; print(tldextract.TLDExtract()('a.example.co.uk'))",
               cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert b"CONNECT publicsuffix.org:443 HTTP/1.0\r\n\r\n" in proxy.seen


def test_a_crawl_and_its_publish_never_ask_the_network_for_the_suffix_list(tmp_path, demo_site: DemoSite,
                                                                            proxy, hf_home):
    cache = tmp_path / "tldextract"
    cache.mkdir()
    cmd = crawl_command(tmp_path / "warc", "-a", f"start_urls={demo_site.truth['seeds']['sitemap']}",
                        "-s", f"DATASET_DIR={tmp_path / 'dataset'}")
    proc = run(*cmd, cwd=tmp_path, env=offline_env(proxy, cache, hf_home), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proxy.seen == []
    assert "Traceback" not in proc.stderr
    assert "tldextract" not in proc.stderr
    # tldextract did run (the cookies middleware, on the demo site's Set-Cookie), from its snapshot:
    # its parsed list is cached, and no URL fetch was tried (that cache has a namespace of its own)
    assert list((cache / "publicsuffix.org-tlds").glob("*.tldextract.json"))
    assert not (cache / "urls").exists()
    assert (tmp_path / "dataset" / "README.md").is_file()


def test_an_operators_suffix_list_urls_are_kept(monkeypatch):
    monkeypatch.setenv(SUFFIX_LIST_URLS, "/srv/psl/public_suffix_list.dat")
    use_bundled_suffix_list()
    assert os.environ[SUFFIX_LIST_URLS] == "/srv/psl/public_suffix_list.dat"
    monkeypatch.delenv(SUFFIX_LIST_URLS)
    use_bundled_suffix_list()
    assert os.environ[SUFFIX_LIST_URLS] == ""


def test_a_crawl_runs_without_a_code_execution_port_and_without_importing_one(tmp_path, demo_site: DemoSite):
    """Scrapy's telnet console and remote control (an HTTP server running the Python code sent
    to it) are off; taken out of EXTENSIONS_BASE, so their modules (aiohttp's server: ~0.15 s)
    are not even imported."""
    cmd = crawl_command(tmp_path / "warc", "-a", f"start_urls={demo_site.truth['seeds']['sitemap']}",
                        "-s", "CLOSESPIDER_PAGECOUNT=3")
    cmd[1:1] = ["-X", "importtime"]
    proc = run(*cmd, cwd=tmp_path, timeout=300)
    err = proc.stderr
    assert proc.returncode == ENDED_EARLY, err[-3000:]  # CLOSESPIDER_PAGECOUNT, as asked
    enabled = err.split("Enabled extensions:", 1)[1].split("]", 1)[0]
    assert "crawler.extensions.WarcWriterExtension" in enabled
    for off in ("TelnetConsole", "RemoteControl", "LogStats", "scrapy.extensions.throttle.AutoThrottle"):
        assert off not in enabled
    imported = {line.rsplit("|", 1)[1].strip() for line in err.splitlines()
                if line.startswith("import time:")}
    assert "scrapy.extensions.telnet" not in imported
    assert "scrapy.extensions.remote_control" not in imported
    assert "aiohttp" not in imported
    assert "scrapy.core.engine" in imported  # importtime did list the crawl's imports
