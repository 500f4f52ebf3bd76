"""Publish the demo crawl and compare with the demo site's ground truth, through `datasets`."""

from __future__ import annotations

import gzip
import os
import re
import select
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.conftest import ROOT, CrawlResult

WGET_REJECT = r"/(user|calendar|search|comment/reply|node/add|filter)(/|\?|$)|[?&](sort|destination)="


def publish_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", "publish", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=600)


def load(dataset_dir: Path, config: str, hf_home: Path) -> list[dict]:
    """Rows of every split, read by the real `datasets` library in a clean HF_HOME."""
    code = (
        "import json, sys; from datasets import load_dataset\n"
        f"d = load_dataset({str(dataset_dir)!r}, {config!r})\n"
        "rows = [dict(r, _split=s) for s in d for r in d[s]]\n"
        "print(json.dumps(rows, default=str))\n"
    )
    env = {**os.environ, "HF_HOME": str(hf_home), "HF_DATASETS_OFFLINE": "1",
           "HF_HUB_OFFLINE": "1", "HF_DATASETS_DISABLE_PROGRESS_BARS": "1"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    import json

    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def articles(sitemap_crawl: CrawlResult, hf_home: Path) -> dict[str, dict]:
    rows = load(sitemap_crawl.warc_dir.parent / "dataset", "articles", hf_home)
    return {r["canonical_url"]: r for r in rows}


@pytest.fixture(scope="module")
def comments(sitemap_crawl: CrawlResult, hf_home: Path) -> list[dict]:
    return load(sitemap_crawl.warc_dir.parent / "dataset", "comments", hf_home)


def utc_iso(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(timezone.utc).isoformat()


def test_crawl_publishes_when_it_ends(sitemap_crawl):
    assert "Published " in sitemap_crawl.log
    card = (sitemap_crawl.warc_dir.parent / "dataset" / "README.md").read_text()
    assert "config_name: articles" in card
    assert "config_name: comments" in card
    assert "default: true" in card


def test_every_article_recovered(demo_site, articles):
    truth = demo_site.truth["articles"]
    assert sorted(articles) == sorted(a["url"] for a in truth)
    for a in truth:
        row = articles[a["url"]]
        assert row["title"] == a["title"]
        assert row["comment_count"] == a["comment_count"]
        assert row["comments_status"] == "html"
        assert row["platform"] == "drupal7"
        assert utc_iso(row["published"]) == utc_iso(a["published"])
        for paragraph in a["body_text"].split("\n"):
            assert paragraph in row["text"], (a["url"], paragraph)


def test_no_comment_text_in_bodies(demo_site, articles):
    for a in demo_site.truth["articles"]:
        body = articles[a["url"]]["text"]
        for c in a["comments"]:
            for line in c["text"].split("\n"):
                if len(line) > 25 and line not in a["body_text"]:
                    assert line.removeprefix("> ") not in body, (a["url"], c["comment_id"])
        assert "Permalink" not in body
        assert "In reply to" not in body


def test_every_comment_recovered_exactly(demo_site, comments):
    by_id = {(c["article_url"], c["comment_id"]): c for c in comments}
    expected = [(a["url"], c) for a in demo_site.truth["articles"] for c in a["comments"]]
    assert len(comments) == len(expected)
    for url, t in expected:
        row = by_id[(url, t["comment_id"])]
        assert row["parent_id"] == t["parent_id"], t["comment_id"]
        assert row["author"] == t["author"], t["comment_id"]
        assert utc_iso(row["published"]) == utc_iso(t["published"]), t["comment_id"]
        assert row["depth"] == t["depth"], t["comment_id"]
        assert row["position"] == t["position"], t["comment_id"]
        assert row["text"] == t["text"], t["comment_id"]
        assert row["permalink"] == t["permalink"]
        assert row["confidence"] == "high"


def test_threads_never_straddle_splits(articles, comments):
    split_of_article = {a["article_id"]: a["_split"] for a in articles.values()}
    assert all(c["_split"] == split_of_article[c["article_id"]] for c in comments)
    for a in articles.values():
        assert [c["comment_id"] for c in a["comments"]] == [
            c["comment_id"] for c in sorted(
                (c for c in comments if c["article_id"] == a["article_id"]),
                key=lambda c: c["position"])
        ]


def test_rows_point_at_their_warc_record(sitemap_crawl, comments):
    from warcio.archiveiterator import ArchiveIterator

    row = next(c for c in comments if c["page"] == 1)
    with (sitemap_crawl.warc_dir / row["warc_file"]).open("rb") as fh:
        fh.seek(row["warc_offset"])
        rec = next(iter(ArchiveIterator(fh)))
        assert rec.rec_headers.get_header("WARC-Record-ID") == row["warc_record_id"]
        assert rec.rec_headers.get_header("WARC-Target-URI") == row["page_url"]
        assert f'id="comment-{row["comment_id"]}"'.encode() in rec.content_stream().read()


def test_legacy_charset_is_decoded(demo_site, articles):
    a = articles[demo_site.truth["special"]["legacy_charset"]]
    truth = next(t for t in demo_site.truth["articles"] if t["url"] == a["url"])
    assert any(ch in truth["body_text"] for ch in "éü€“")
    assert truth["body_text"].split("\n")[0] in a["text"]


def test_publishing_twice_gives_identical_files(sitemap_crawl, tmp_path):
    for out in ("one", "two"):
        proc = publish_cli(sitemap_crawl.warc_dir, "-o", tmp_path / out, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-2000:]
    files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*") if p.is_file())
    assert any(re.fullmatch(r"articles/train-00000-of-00001-[0-9a-f]{16}\.parquet", str(f)) for f in files)
    for rel in files:  # the card names its own folder (its loading lines): the one difference
        one, two = ((tmp_path / out / rel).read_bytes().replace(str(tmp_path / out).encode(), b"DIR")
                    for out in ("one", "two"))
        assert one == two, rel


def test_two_datasets_in_folders_of_one_name_load_their_own_rows(sitemap_crawl, tmp_path, hf_home):
    """`datasets` keys a local dataset's cache on the folder's name, the card's file paths and
    its split sizes, not on the files: with fixed shard names, a dataset of the same shape in a
    folder of the same name (the next scheduled run's republish, which only moves `last_seen`)
    loaded the rows cached for the first one."""
    [warc] = sorted(sitemap_crawl.warc_dir.glob("*.warc.gz"))
    other = tmp_path / "b" / warc.name.replace("-00001-", "-00009-")  # same length, same rows
    other.parent.mkdir()
    other.write_bytes(warc.read_bytes())
    for src, out in ((warc, tmp_path / "a" / "dataset"), (other, tmp_path / "b" / "dataset")):
        assert publish_cli(src, "-o", out, cwd=tmp_path).returncode == 0
    first = load(tmp_path / "a" / "dataset", "comments", hf_home)
    second = load(tmp_path / "b" / "dataset", "comments", hf_home)
    assert len(first) == len(second)
    assert {r["warc_file"] for r in first} == {warc.name}
    assert {r["warc_file"] for r in second} == {other.name}


def test_wget_warc_publishes_the_same_comments(demo_site, sitemap_crawl, comments, tmp_path, hf_home):
    proc = subprocess.run(
        ["wget", "--recursive", "--level=inf", "--no-verbose", "--delete-after",
         "--no-host-directories", f"--reject-regex={WGET_REJECT}",
         f"--warc-file={tmp_path / 'wget'}", "--no-warc-keep-log", demo_site.truth["seeds"]["index"]],
        capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert proc.returncode in (0, 8), proc.stderr[-2000:]  # 8: the demo's 404/500 pages
    out = publish_cli(tmp_path / "wget.warc.gz", "-o", tmp_path / "wds", cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    fields = ("article_url", "comment_id", "parent_id", "author", "published", "text", "depth",
              "position")
    ours = sorted(tuple(c[f] for f in fields) for c in comments)
    theirs = sorted(tuple(c[f] for f in fields) for c in load(tmp_path / "wds", "comments", hf_home))
    assert theirs == ours


# -- bad input -----------------------------------------------------------------------------


def write_warc(path: Path, pages: list[tuple[str, str, bytes]]) -> None:
    """A small WARC written with warcio: (url, content-type, body) responses."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=path.name.endswith(".gz"), warc_version="1.1")
        for url, ctype, body in pages:
            http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=BytesIO(body), length=len(body), http_headers=http))


ARTICLE = (b"<html lang='en'><head><title>A quiet story</title></head><body><article><h1>A quiet"
           b" story</h1>" + b"<p>Plain paragraph number %d about a town council meeting.</p>" * 3
           + b"</article></body></html>")


def test_truncated_warc_keeps_the_records_before_the_cut(sitemap_crawl, tmp_path):
    source = sitemap_crawl.warcs[0].read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(source[: len(source) * 2 // 3])
    proc = publish_cli(cut, "-o", tmp_path / "ds", cwd=tmp_path)
    assert proc.returncode == 4, proc.stderr[-2000:]
    assert "cut.warc.gz: unreadable at offset" in proc.stderr
    assert "articles: " in proc.stdout
    assert any((tmp_path / "ds" / "comments").glob("*.parquet"))


def test_non_warc_and_empty_inputs_leave_the_dataset_alone(sitemap_crawl, tmp_path):
    good = tmp_path / "ds"
    assert publish_cli(sitemap_crawl.warc_dir, "-o", good, cwd=tmp_path).returncode == 0
    before = {p: p.read_bytes() for p in good.rglob("*") if p.is_file()}
    (tmp_path / "empty").mkdir()
    proc = publish_cli(tmp_path / "empty", "-o", good, cwd=tmp_path)
    assert proc.returncode == 3  # nothing to publish
    assert "no WARC files" in proc.stderr
    junk = tmp_path / "notes.warc.gz"
    junk.write_bytes(gzip.compress(b"this is not a WARC file\n" * 20))
    proc = publish_cli(junk, "-o", good, cwd=tmp_path)
    assert proc.returncode == 3
    assert "notes.warc.gz: unreadable at offset 0" in proc.stderr
    assert {p: p.read_bytes() for p in good.rglob("*") if p.is_file()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ds.tmp")]  # no leftovers


def test_bad_pages_cost_only_themselves(tmp_path):
    pages = [
        ("http://site.example/good", "text/html; charset=utf-8", ARTICLE),
        ("http://site.example/empty", "text/html", b""),  # lxml: "Document is empty"
        ("http://site.example/latin", "text/html; charset=utf-8",
         ARTICLE.replace(b"town", "caf\xe9".encode("cp1252"))),  # says utf-8, is not
        ("http://site.example/slow", "text/html", SLOW_PAGE),  # ~8 s: past the 2 s limit
    ]
    warc = tmp_path / "bad.warc.gz"
    write_warc(warc, pages)
    proc = publish_cli(warc, "-o", tmp_path / "ds", "-s", "DATASET_PAGE_TIMEOUT=2", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "bad.warc.gz@" in proc.stderr
    assert "http://site.example/empty" in proc.stderr
    assert "http://site.example/slow: PageTimeout" in proc.stderr
    assert "pages_failed 1" in proc.stdout, proc.stdout  # the slow one
    assert "not_articles/empty 1" in proc.stdout, proc.stdout  # a 200 with no HTML in it
    assert "articles: " in proc.stdout
    import pyarrow.parquet as pq

    urls = {u for f in (tmp_path / "ds" / "articles").glob("*.parquet")
            for u in pq.read_table(f).column("canonical_url").to_pylist()}
    assert urls == {"http://site.example/good", "http://site.example/latin"}


SLOW_PAGE = b"<html><body><article>" + b"<p>A town council meeting, in many words.</p>" * 40_000 + (
    b"</article></body></html>")


def _wait_gone(pids: list[int], timeout: float) -> list[int]:
    """The pids still alive after `timeout` s, waiting on pidfds (no polling)."""
    fds = {}
    for pid in pids:
        try:
            fds[os.pidfd_open(pid)] = pid
        except ProcessLookupError:
            continue
    try:
        deadline = time.monotonic() + timeout
        alive = dict(fds)
        while alive and (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select(list(alive), [], [], left)
            for fd in ready:
                del alive[fd]
        return sorted(alive.values())
    finally:
        for fd in fds:
            os.close(fd)


@pytest.mark.parametrize(("sig", "group", "code"), [
    (signal.SIGINT, True, 130),  # Ctrl-C in a terminal: the whole process group
    (signal.SIGTERM, False, 143),  # timeout(1), docker stop, systemd: the parent only
    (signal.SIGKILL, False, -signal.SIGKILL),  # the OOM killer, kill -9
], ids=["ctrl-c", "sigterm", "sigkill"])
def test_interrupted_publish_leaves_the_old_dataset_and_no_process(sitemap_crawl, tmp_path, sig, group, code):
    good = tmp_path / "ds"
    assert publish_cli(sitemap_crawl.warc_dir, "-o", good, cwd=tmp_path).returncode == 0
    before = {p: p.read_bytes() for p in good.rglob("*") if p.is_file()}
    slow = tmp_path / "slow.warc.gz"
    write_warc(slow, [("http://site.example/slow", "text/html", SLOW_PAGE)])
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", "publish", str(sitemap_crawl.warc_dir), str(slow), "-o", str(good),
         "--workers", "1", "-s", "DATASET_PAGE_TIMEOUT=120", "-L", "DEBUG"],
        stderr=subprocess.PIPE, text=True, cwd=tmp_path, start_new_session=True,
        # Ctrl-C as a terminal's foreground job has it, whatever this run inherited (a suite
        # started in the background, under nohup or by some CI runners ignores SIGINT, and the
        # publish rightly keeps an ignored SIGINT ignored)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    workers: list[int] = []
    for line in proc.stderr:  # the build folder and the workers exist once this is logged
        if m := re.search(r"Extraction workers: pids ([\d, ]+)", line):
            workers = [int(p) for p in m.group(1).split(", ")]
            break
    assert workers
    if group:
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == code, err[-2000:]
    assert not _wait_gone(workers, 30), "extraction workers outlived the publish"
    assert {p: p.read_bytes() for p in good.rglob("*") if p.is_file()} == before
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".ds.tmp")]
    if sig == signal.SIGKILL:
        assert leftovers  # nothing could clean up; the next publish does
        again = publish_cli(sitemap_crawl.warc_dir, "-o", good, cwd=tmp_path)
        assert again.returncode == 0, again.stderr[-2000:]
        assert "left by a publish that did not finish" in again.stderr
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ds.tmp")]
    else:
        assert not leftovers  # cleaned up on the way out
        last = err.strip().splitlines()[-1]
        assert re.search(r"Interrupted \((Ctrl-C|SIGTERM)\): nothing published; .*ds is as it was", last)
        assert "Traceback" not in err


def test_a_publish_started_with_ctrl_c_ignored_keeps_ignoring_it(sitemap_crawl, tmp_path):
    """`nohup`, a shell's background `&` job: SIGINT ignored when the publish starts stays
    ignored (the command's own handler is not put in its place)."""
    slow = tmp_path / "slow.warc.gz"
    write_warc(slow, [("http://site.example/slow", "text/html", SLOW_PAGE)])
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", "publish", str(sitemap_crawl.warc_dir), str(slow), "-o",
         str(tmp_path / "ds"), "--workers", "1", "-s", "DATASET_PAGE_TIMEOUT=120", "-L", "DEBUG"],
        stderr=subprocess.PIPE, text=True, cwd=tmp_path, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))  # as nohup does
    assert proc.stderr is not None
    for line in proc.stderr:  # the workers are at it once this is logged
        if "Extraction workers: pids" in line:
            break
    os.killpg(proc.pid, signal.SIGINT)
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=300) == 0, err[-2000:]
    assert "Interrupted" not in err
    assert (tmp_path / "ds" / "README.md").is_file()


SWALLOWED_CTRL_C = """
import os, signal, sys
from pathlib import Path
from scrapy.utils.project import get_project_settings
from crawler.commands.publish import Interrupts
from pipelines.publishing.config import DatasetConfig
from pipelines.publishing.publish import publish

warcs, out = sys.argv[1], Path(sys.argv[2])
cfg = DatasetConfig.from_settings(get_project_settings(), out)
interrupts = Interrupts()
signal.signal(signal.SIGINT, interrupts.handle)

class Finalised:
    def __del__(self):  # Ctrl-C lands here: Python prints "Exception ignored" and runs on
        os.kill(os.getpid(), signal.SIGINT)

Finalised()
print("ran on after the Ctrl-C", flush=True)
try:
    publish([warcs], cfg, interrupted=interrupts.received)
except KeyboardInterrupt:
    sys.exit(130)
sys.exit(0)
"""


def test_a_ctrl_c_that_python_swallowed_still_keeps_the_old_dataset(sitemap_crawl, tmp_path):
    """A KeyboardInterrupt raised in a `__del__` (or a weakref callback) is printed and
    dropped by Python: the publish ran on and replaced the dataset (seen once under load as
    exit 0 after a Ctrl-C). The command's handler remembers the signal; publish() asks
    before it swaps the new dataset in."""
    good = tmp_path / "ds"
    assert publish_cli(sitemap_crawl.warc_dir, "-o", good, cwd=tmp_path).returncode == 0
    (good / "README.md").write_text("the dataset as it was\n")
    before = {p: p.read_bytes() for p in good.rglob("*") if p.is_file()}
    run = subprocess.run([sys.executable, "-c", SWALLOWED_CTRL_C, str(sitemap_crawl.warc_dir), str(good)],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert "ran on after the Ctrl-C" in run.stdout, run.stderr[-2000:]
    assert "KeyboardInterrupt" in run.stderr  # Python's "Exception ignored in ... __del__"
    assert run.returncode == 130, run.stderr[-2000:]
    assert {p: p.read_bytes() for p in good.rglob("*") if p.is_file()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ds.tmp")]


def test_publish_never_replaces_a_folder_that_is_not_a_dataset(sitemap_crawl, tmp_path):
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    proc = publish_cli(sitemap_crawl.warc_dir, "-o", precious, cwd=tmp_path)
    assert proc.returncode == 1
    assert "holds files threadwarc did not write (thesis.tex)" in proc.stderr
    assert (precious / "thesis.tex").read_text() == "years of work"
    assert sorted(p.name for p in precious.iterdir()) == ["thesis.tex"]


def test_two_inputs_with_the_same_file_name_keep_their_own_bodies(tmp_path):
    """wget names every crawl's file the same: records are matched by path and offset, never
    by file name, or one article gets another's title and text."""
    import pyarrow.parquet as pq

    def story(title: str, fruit: str) -> bytes:
        text = " ".join([f"This long paragraph is about {fruit} and nothing but {fruit}."] * 12)
        return (f"<html><head><meta property='og:type' content='article'><title>{title}</title></head>"
                f"<body><article><h1>{title}</h1><p>{text}</p></article></body></html>").encode()

    for folder, host, title, fruit in (("c1", "a.example", "Story one about apples", "apples"),
                                       ("c2", "b.example", "Story two about pears", "pears")):
        (tmp_path / folder).mkdir()
        write_warc(tmp_path / folder / "crawl.warc.gz",
                   [(f"http://{host}/news/story", "text/html; charset=utf-8", story(title, fruit))])
    proc = publish_cli(tmp_path / "c1", tmp_path / "c2", "-o", tmp_path / "ds", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = {r["hostname"]: r for f in (tmp_path / "ds" / "articles").glob("*.parquet")
            for r in pq.read_table(f).to_pylist()}
    assert rows["a.example"]["title"] == "Story one about apples"
    assert "apples" in rows["a.example"]["text"]
    assert "pears" not in rows["a.example"]["text"]
    assert rows["b.example"]["title"] == "Story two about pears"
    assert "pears" in rows["b.example"]["text"]
    assert "apples" not in rows["b.example"]["text"]
