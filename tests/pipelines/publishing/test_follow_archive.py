"""The dataset follows the archive: every capture of a thread, from every crawl, is merged into
one row per comment with the newest crawl's fields; a comment a later capture no longer shows
is kept and marked; rows say when and in which crawl they were first and last seen."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.conftest import DemoSite, run_crawl

HARBOUR, QUAY = "http://blog.test/2024/05/harbour-wall/", "http://blog.test/2024/05/quay/"
A, B1, B2, C = ("threadwarc-20240501100000000-00001-host.warc.gz",
                "threadwarc-20240508100000000-00001-host.warc.gz",  # a run rotated into two files
                "threadwarc-20240508100005000-00002-host.warc.gz",
                "threadwarc-20240515100000000-00001-host.warc.gz")
CRAWL_A, CRAWL_B = "threadwarc-20240501100000000-host", "threadwarc-20240508100000000-host"
CRAWL_C = "nightly-2024-05-15"  # stated by its warcinfo's crawl-id field
T_A, T_B, T_C = "2024-05-01T10:00:00Z", "2024-05-08T10:00:05Z", "2024-05-15T10:00:00Z"


def publish_cli(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", "publish", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=600)


def comment(cid: int, author: str, text: str, replies: str = "", url: str = HARBOUR) -> str:
    return (f'<li class="comment" id="comment-{cid}"><div id="div-comment-{cid}" class="comment-body">'
            f'<div class="comment-author vcard"><cite class="fn">{author}</cite> <span class="says">'
            f'says:</span></div><div class="comment-meta commentmetadata"><a href="{url}#comment-{cid}">'
            f"May 4, 2024 at 9:15 pm</a></div><p>{text}</p></div>"
            + (f'<ul class="children">{replies}</ul>' if replies else "") + "</li>\n")


def post(url: str, title: str, comments: str) -> bytes:
    """A WordPress post (classic theme) with its comments."""
    body = f"The council voted on Tuesday about the {title.lower()} before the winter storms. " * 6
    return (f"<!DOCTYPE html><html lang='en'><head><title>{title} &#8211; Town Blog</title>"
            "<meta name='generator' content='WordPress 6.5' /><meta property='og:type' content='article' />"
            "<link rel='stylesheet' href='http://blog.test/wp-content/themes/classic/style.css' />"
            f"<link rel='canonical' href='{url}' /></head><body class='single single-post'>"
            f"<div class='post' id='post-7'><h2>{title}</h2><div class='entry'><p>{body}</p></div></div>"
            f"<div id='comments'><h3>Responses</h3><ol class='commentlist'>\n{comments}</ol></div>"
            "</body></html>").encode()


HARBOUR_A = post(HARBOUR, "The harbour wall", comment(1, "Ann", "First.") + comment(
    2, "Bob", "Second.", comment(3, "Cy", "A reply to Bob.")) + comment(4, "Dee", "Fourth."))
# a week later: Bob edited his comment, Cy's reply was deleted, Eve and Fay wrote
HARBOUR_B = post(HARBOUR, "The harbour wall", comment(1, "Ann", "First.", comment(
    6, "Fay", "A reply to Ann.")) + comment(2, "Bob", "Second, edited.") + comment(4, "Dee", "Fourth.")
    + comment(5, "Eve", "Fifth."))
QUAY_B = post(QUAY, "The quay", comment(10, "Gus", "Nice.", url=QUAY))


def write(path: Path, records: list[tuple[str, str, bytes | None]], crawl_id: str | None = None) -> None:
    """(url, WARC-Date, page) responses, a page of None being an identical-payload revisit of
    the URL's previous capture in the folder, as a deduplicating crawler writes it."""
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True, warc_version="1.1")
        info = {"software": "test", **({"crawl-id": crawl_id} if crawl_id else {})}
        w.write_record(w.create_warcinfo_record(path.name, info))
        for i, (url, date, page) in enumerate(records):
            fixed = {"WARC-Record-ID": f"<urn:uuid:{path.name[11:28]}-{i}>", "WARC-Date": date}
            if page is None:
                earlier = ORIGINALS[url]
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                        protocol="HTTP/1.1")
                w.write_record(w.create_revisit_record(url, earlier[2], url, earlier[1],
                                                       http_headers=http, warc_headers_dict={
                                                           **fixed, "WARC-Refers-To": earlier[0]}))
                continue
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                               ("Content-Length", str(len(page)))], protocol="HTTP/1.1")
            rec = w.create_warc_record(url, "response", payload=BytesIO(page), length=len(page),
                                       http_headers=http, warc_headers_dict=fixed)
            w.write_record(rec)
            digest = rec.rec_headers.get_header("WARC-Payload-Digest")
            ORIGINALS[url] = (fixed["WARC-Record-ID"], date, digest)


ORIGINALS: dict[str, tuple[str, str, str]] = {}


def three_runs(folder: Path) -> Path:
    """Run A; run B, rotated into two files, after the thread changed; run C, the thread
    unchanged (a revisit record), under a crawl id its warcinfo states."""
    folder.mkdir(parents=True, exist_ok=True)
    ORIGINALS.clear()
    write(folder / A, [(HARBOUR, T_A, HARBOUR_A)])
    write(folder / B1, [(QUAY, "2024-05-08T10:00:01Z", QUAY_B)])
    write(folder / B2, [(HARBOUR, T_B, HARBOUR_B)])
    write(folder / C, [(HARBOUR, T_C, None)], crawl_id=CRAWL_C)
    return folder


def rows(dataset: Path, config: str) -> list[dict]:
    return [r for shard in sorted((dataset / config).glob("*.parquet"))
            for r in pq.read_table(shard).to_pylist()]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def check_blog(dataset: Path) -> None:
    """One row per comment: the newest crawl's text, the deleted reply kept and marked."""
    comments = {r["comment_id"]: r for r in rows(dataset, "comments") if r["article_url"] == HARBOUR}
    got = {cid: (r["author"], r["text"], r["parent_id"], r["position"], r["first_seen"], r["last_seen"],
                 r["removed_at"], r["first_crawl"], r["last_crawl"]) for cid, r in comments.items()}
    assert got == {
        "1": ("Ann", "First.", None, 0, utc(T_A), utc(T_C), None, CRAWL_A, CRAWL_C),
        "6": ("Fay", "A reply to Ann.", "1", 1, utc(T_B), utc(T_C), None, CRAWL_B, CRAWL_C),
        "2": ("Bob", "Second, edited.", None, 2, utc(T_A), utc(T_C), None, CRAWL_A, CRAWL_C),
        "3": ("Cy", "A reply to Bob.", "2", 3, utc(T_A), utc(T_A), utc(T_B), CRAWL_A, CRAWL_A),
        "4": ("Dee", "Fourth.", None, 4, utc(T_A), utc(T_C), None, CRAWL_A, CRAWL_C),
        "5": ("Eve", "Fifth.", None, 5, utc(T_B), utc(T_C), None, CRAWL_B, CRAWL_C),
    }
    assert comments["3"]["warc_file"] == A  # provenance: the capture its fields come from
    assert comments["2"]["warc_file"] == C  # the revisit: its page read from B2's record
    quay = [r for r in rows(dataset, "comments") if r["article_url"] == QUAY]
    assert [(r["comment_id"], r["first_crawl"], r["last_crawl"], r["removed_at"]) for r in quay] == [
        ("10", CRAWL_B, CRAWL_B, None)]
    article = next(a for a in rows(dataset, "articles") if a["canonical_url"] == HARBOUR)
    assert (article["comment_count"], article["first_seen"], article["last_seen"], article["first_crawl"],
            article["last_crawl"]) == (6, utc(T_A), utc(T_C), CRAWL_A, CRAWL_C)
    assert [c["comment_id"] for c in article["comments"]] == ["1", "6", "2", "3", "4", "5"]


def test_captures_of_three_runs_merge_into_one_row_per_comment(tmp_path):
    warcs = three_runs(tmp_path / "warc")
    proc = publish_cli(warcs, "-o", tmp_path / "ds", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "bodies_shared 1," in proc.stdout  # run C's revisit: B2's article body, read once
    check_blog(tmp_path / "ds")
    card = (tmp_path / "ds" / "README.md").read_text()
    assert f"Crawls: 3, oldest first: `{CRAWL_A}`, `{CRAWL_B}`, `{CRAWL_C}`" in card
    assert "| `removed_at` | `timestamp[us, tz=UTC]` | fetch time of the first capture" in card


def test_the_same_warcs_publish_the_same_bytes(tmp_path):
    warcs = three_runs(tmp_path / "warc")
    for out in ("one", "two"):
        proc = publish_cli(warcs, "-o", tmp_path / out, "--workers", "2" if out == "one" else "1",
                           cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-3000:]
    files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*") if p.is_file())
    assert Path("README.md") in files
    assert {f.parts[0] for f in files if f.suffix == ".parquet"} == {"articles", "comments"}
    assert files == sorted(p.relative_to(tmp_path / "two") for p in (tmp_path / "two").rglob("*")
                           if p.is_file())
    for rel in files:  # the card names its own folder (its loading lines): the one difference
        one, two = ((tmp_path / out / rel).read_bytes().replace(str(tmp_path / out).encode(), b"DIR")
                    for out in ("one", "two"))
        assert one == two, rel


@pytest.fixture(scope="module")
def crawled_into_archive(demo_site: DemoSite, tmp_path_factory: pytest.TempPathFactory):
    """A real crawl into a WARC_DIR that earlier runs filled, publishing at its end."""
    tmp = tmp_path_factory.mktemp("follow")
    warcs = three_runs(tmp / "warc")
    result = run_crawl(warcs, "-a", f"start_urls={demo_site.truth['seeds']['sitemap']}",
                       "-s", f"DATASET_DIR={tmp / 'dataset'}")
    assert result.returncode == 0, result.log[-3000:]
    return result, tmp / "dataset"


def test_end_of_crawl_publish_covers_every_warc_in_the_folder(demo_site, crawled_into_archive):
    result, dataset = crawled_into_archive
    ours = [p.name for p in result.warcs if p.name not in (A, B1, B2, C)]
    assert len(ours) == 1
    assert re.search(r"Published .* from 5 WARC file\(s\) in .*warc \(1 of this crawl\)", result.log)
    check_blog(dataset)  # the earlier runs' rows, as a publish of their files alone gives them
    demo = [r for r in rows(dataset, "comments") if r["article_url"] != HARBOUR and r["article_url"] != QUAY]
    truth = [(a["url"], c["comment_id"]) for a in demo_site.truth["articles"] for c in a["comments"]]
    assert sorted((r["article_url"], r["comment_id"]) for r in demo) == sorted(truth)
    crawl = re.sub(r"-00001-", "-", ours[0]).removesuffix(".warc.gz")
    assert {(r["first_crawl"], r["last_crawl"], r["removed_at"]) for r in demo} == {(crawl, crawl, None)}
