"""What replay tools read beside the WARC files: the folder's CDXJ index and each crawl's WACZ.

CDXJ (`update_index`): one sorted index of every closed WARC file in a folder (`index.cdxj`),
its `filename` fields relative to the folder, as pywb and other replay tools read it. Each
update indexes, with cdxj-indexer, the files the index does not cover yet (a crawl's own, a
killed run's once repaired, files copied in by hand), sorts their lines and merges them with
the index's (already sorted) lines into a temporary file that replaces the index; lines of
files gone from the folder are dropped. An exclusive lock beside the index lets two crawls
that end at once take turns. A file that cannot be read to its end keeps the lines of its
records before the break and is named, with the offset, in a warning.

WACZ (`write_wacz`): one crawl's WARC files packaged by py-wacz (`wacz create`), with our own
`pages/pages.jsonl` (`article_pages`): every article page the crawl captured (URL, capture
time, headline), so ReplayWeb.page opens at the articles. py-wacz runs in a child process:
importing it changes cdxj-indexer's record choice for the whole process, it prints its
progress on stdout, and its command line exits 0 when `create` fails.

`package_run` does both at the end of a crawl; the WARC files are only ever read.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import functools
import gc
import heapq
import json
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import warnings
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from pipelines.extraction.encodings import read_payload

from .atomic import replacing
from .dedup import DigestIndex
from .records import target_uri
from .sink import OPEN_SUFFIX, child_env, describe_os_error

if TYPE_CHECKING:
    from cdxj_indexer.main import CDXJIndexer

    from .config import WarcConfig

logger = logging.getLogger(__name__)

# What cdxj-indexer indexes in a folder (its CDXJIndexer.ALLOWED_EXT, written out so that
# listing a folder does not import it); `.open` files are still being written.
WARC_NAMES = (".arc", ".arc.gz", ".warc", ".warc.gz")
# A record that is not what it should be; OSError: the file could not be read at all.
_READ_ERRORS = (ArchiveLoadFailed, StatusAndHeadersParserException, zlib.error, EOFError, ValueError,
                OSError)
# The kinds of fetch (crawl.log's 6th column, crawler/progress.py) that may be an article page:
# fetched as one, or a seed or a page found from one (a seed may be an article itself).
PAGE_KINDS = frozenset({"article", "seed", "discovery"})
HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_PAGE_BYTES = 2 * 1024 * 1024  # of a page read for its headline, decoded
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Articles"}
_RUN_NAME = re.compile(r"^(?P<run>.+-\d{17})-\d{5}-(?P<host>.+?)\.(?:warc|arc)(?:\.gz)?$")
_PR_SET_PDEATHSIG = 1


@functools.cache
def _cdxj() -> Any:
    """cdxj_indexer.main, imported at the first index update, not with this module: it costs
    ~0.2 s (pyamf, pkg_resources, requests, tldextract), and every `scrapy`/`threadwarc` command
    imports this module when Scrapy lists the commands (warc-repair)."""
    with warnings.catch_warnings():  # cdxj-indexer imports pyamf, which imports pkg_resources
        warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
        from cdxj_indexer import main
    return main


@functools.cache
def _indexer_class() -> type[CDXJIndexer]:
    class _Indexer(_cdxj().CDXJIndexer):
        """cdxj-indexer's indexer as its command line runs it. The record types are pinned here:
        importing py-wacz appends "warcinfo" to CDXJIndexer.DEFAULT_RECORDS for the whole process
        (and the `application/warc-fields` metadata filter only applies to this exact list)."""

        DEFAULT_RECORDS = ("response", "revisit", "resource", "metadata")

    return _Indexer


def not_modified_revisit(line: str) -> bool:
    """A CDXJ line of a `server-not-modified` revisit (its status 304). The index leaves them
    out, as the Internet Archive's CDX-Writer does by default: pywb (2.10) replays a revisit with
    a 3xx status as a redirect, without its original's payload, so the page's latest capture
    would replay empty (ukwa/ukwa-pywb#40). The page replays from its original capture."""
    return '"mime": "warc/revisit"' in line and '"status": "304"' in line


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # never in a URL a crawler fetched


class _Lines:
    """Where cdxj-indexer writes one folder's new lines: counted, sorted by its SortingWriter;
    the 304 revisits left out (not_modified_revisit)."""

    def __init__(self, out: IO[str]) -> None:
        self.sorter = _cdxj().SortingWriter(out)
        self.count = 0
        self.not_modified = 0
        self.last = ""

    def write(self, line: str) -> None:
        if not_modified_revisit(line):
            self.not_modified += 1
            return
        if "\\u00" in line and _CONTROL.search((fields := json.loads(line.split(" ", 2)[2])).get("url", "")):
            # warcio read a damaged gzip member as plain bytes, and cdxj-indexer found a record
            # in them whose URL is those bytes: the file is unreadable from there, not indexed
            raise ArchiveLoadFailed(f"the record at offset {fields.get('offset', '?')} is damaged "
                                    "(its URL is raw bytes)")
        self.count += 1
        self.last = line
        self.sorter.write(line)


@dataclass
class IndexReport:
    path: Path
    added_files: list[str] = field(default_factory=list)
    added_records: int = 0
    not_modified: int = 0  # 304 revisits of the added files, left out
    dropped_files: list[str] = field(default_factory=list)  # gone from the folder
    files: int = 0  # WARC files the index covers
    records: int = 0  # lines in the index
    unreadable: list[str] = field(default_factory=list)  # one message per file read in part
    seconds: float = 0.0


def _filename(line: str) -> str:
    """A CDXJ line's `filename` (cdxj-indexer writes it last); "" when it has none."""
    tail = line.rstrip("\n")
    at = tail.rfind('"filename": "')
    if at >= 0 and tail.endswith('"}') and "\\" not in tail[at:]:
        return tail[at + 13 : -2]
    try:
        return str(json.loads(line.split(" ", 2)[2]).get("filename", ""))
    except (IndexError, ValueError, AttributeError):
        return ""


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (created if need be), held until the block ends."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def warc_files(directory: Path) -> dict[str, Path]:
    """The closed WARC (and ARC) files directly in `directory`, by name."""
    return {p.name: p for p in sorted(directory.iterdir())
            if p.name.endswith(WARC_NAMES) and not p.name.startswith(".") and p.is_file()}


def _index_file(path: Path, lines: _Lines) -> str | None:
    """Adds one file's lines; says why, and after which offset, when it could not be read
    to its end (the lines of its records before that are kept)."""
    before = lines.count
    # a record cdxj-indexer stops in (or reads damaged) leaves its buffer (a SpooledTemporaryFile)
    # unclosed: freed with the exception, or by the collector below, without a ResourceWarning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            with path.open("rb") as fh:
                _indexer_class()(lines, [fh], filename=path.name).process_all()
        except _READ_ERRORS as exc:
            end = 0
            if lines.count > before:
                last = json.loads(lines.last.split(" ", 2)[2])
                end = int(last["offset"]) + int(last["length"])
            cause = str(exc) if len(str(exc)) <= 200 else str(exc)[:200] + "..."  # warcio quotes the bytes
            problem = (f"{path.name}: unreadable after offset {end} ({type(exc).__name__}: {cause}); "
                       f"{lines.count - before} records before it indexed")
        else:
            return None
        gc.collect()
    return problem


def update_index(directory: Path, index: Path | None = None) -> IndexReport:
    """Brings `index` (default `directory/index.cdxj`) up to date with the closed WARC files in
    `directory`: the ones it does not cover yet are indexed and merged in, lines of files no
    longer there are dropped. Raises OSError when the index cannot be written; the previous
    index is then left as it was."""
    from .config import CDXJ_NAME

    index = index or directory / CDXJ_NAME
    started = time.monotonic()
    report = IndexReport(index)
    with _locked(index.with_name(f".{index.name}.lock")):
        covered: Counter[str] = Counter()
        if index.exists():
            with index.open(encoding="utf-8", newline="\n") as fh:
                covered.update(_filename(line) for line in fh)
        present = warc_files(directory)
        new = [present[name] for name in sorted(present.keys() - covered.keys())]
        gone = {name for name in covered if name not in present}
        report.dropped_files = sorted(gone)
        if new or gone or not index.exists():
            with tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n") as added:
                lines = _Lines(added)
                for path in new:
                    if (problem := _index_file(path, lines)) is not None:
                        report.unreadable.append(problem)
                    report.added_files.append(path.name)
                lines.sorter.flush()
                added.seek(0)
                report.added_records = lines.count
                report.not_modified = lines.not_modified
                report.records = _merge(index, gone, added)
        else:
            report.records = sum(covered.values())
        report.files = len((covered.keys() - gone) | set(report.added_files))
    report.seconds = time.monotonic() - started
    return report


def _merge(index: Path, gone: set[str], added: IO[str]) -> int:
    """The index's lines (minus those of `gone` files) and the new sorted lines, merged into a
    temporary file that then replaces the index; returns the lines written."""
    count = 0
    # `.index.cdxj.part`, under the lock: any such file is a leftover
    with replacing(index) as part, contextlib.ExitStack() as stack:
        out = stack.enter_context(part.open("w", encoding="utf-8", newline="\n"))
        sources: list[Iterable[str]] = [added]
        if index.exists():
            kept = stack.enter_context(index.open(encoding="utf-8", newline="\n"))
            old: Iterable[str] = (line if line.endswith("\n") else line + "\n" for line in kept
                                  if not gone or _filename(line) not in gone)
            sources.append(old)
        for line in heapq.merge(*sources):
            out.write(line)
            count += 1
    return count


# -- the WACZ -------------------------------------------------------------------------------------


def run_name(files: Sequence[Path]) -> str:
    """`PREFIX-STAMP-HOST` of a crawl's first WARC file (`PREFIX-STAMP-00001-HOST.warc.gz`)."""
    first = min(files, key=lambda p: p.name).name
    if m := _RUN_NAME.match(first):
        return f"{m['run']}-{m['host']}"
    return first.split(".", 1)[0]


def _page_urls(crawl_log: Path) -> set[str]:
    """URLs the crawl fetched as articles, seeds or discovery pages (crawl.log), as their WARC
    records name them."""
    urls = set()
    with crawl_log.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            fields = line.split()
            if len(fields) >= 6 and fields[5] in PAGE_KINDS:
                urls.add(target_uri(fields[4]))
    return urls


def _mime(http: Any) -> str:
    ctype = http.get_header("Content-Type") if http is not None else None
    return (ctype or "").split(";", 1)[0].strip().lower()


def _read_at(path: Path, offset: int, record_id: str) -> tuple[bytes, str | None, str]:
    """Payload (decoded, at most MAX_PAGE_BYTES), Content-Type and mime type of the response
    `record_id` at `offset`; a writer may not have renamed its file yet."""
    for candidate in (path.with_name(path.name + OPEN_SUFFIX), path):
        try:
            fh = candidate.open("rb")
        except FileNotFoundError:
            continue
        with fh:
            fh.seek(offset)
            rec = next(iter(ArchiveIterator(fh)))
            if (found := rec.rec_headers.get_header("WARC-Record-ID")) != record_id:
                raise ValueError(f"{candidate.name}@{offset}: {found} there, not {record_id}")
            body = _headline_bytes(rec, f"{candidate.name}@{offset}")
            http = rec.http_headers
            return body, http.get_header("Content-Type") if http else None, _mime(http)
    raise FileNotFoundError(f"{path} is gone")


def _headline_bytes(rec: Any, where: str) -> bytes:
    """The payload, decoded, as far as MAX_PAGE_BYTES (memory bounded whatever the coding)."""
    body = read_payload(rec, MAX_PAGE_BYTES + 1)
    if len(body) > MAX_PAGE_BYTES:
        logger.info("WACZ pages: %s: headline read from the first %d bytes of a longer page", where,
                    MAX_PAGE_BYTES)
    return body[:MAX_PAGE_BYTES]


def _timestamp(warc_date: str) -> str:
    """WARC-Date as pages.jsonl's `ts` (ISO 8601 to the millisecond, as browsers parse it)."""
    moment = datetime.fromisoformat(warc_date.replace("Z", "+00:00"))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _headline(url: str, body: bytes, ctype: str | None) -> tuple[bool, str | None]:
    """Whether the spider calls this page an article (crawler/spiders/thread.py `_is_article`),
    and its headline (the dataset's article title)."""
    from w3lib.encoding import html_to_unicode

    from pipelines import platforms
    from pipelines.platforms.page import Page

    page = Page.parse(url, html_to_unicode(ctype, body)[1])
    if page is None:
        return False, None
    if not (platforms.detect(page).hints.is_article(page) or page.article_evidence is not None):
        return False, None
    return True, page.headline


def article_pages(files: Sequence[Path], crawl_log: Path, originals: Path | None = None
                  ) -> list[dict[str, str]]:
    """pages.jsonl entries (id, url, ts, title) for every article page in `files`: the first
    whole 2xx HTML capture of each URL the crawl log says was fetched as an article (or a
    seed or discovery page), that the spider's own test calls an article. A revisit (the same
    payload, or a 304) is read from its original through the dedup index `originals`; a
    truncated capture is left out."""
    wanted = _page_urls(crawl_log)
    index = None
    if originals is not None:
        with contextlib.suppress(sqlite3.Error):
            index = DigestIndex.reader(originals)
    pages: dict[str, dict[str, str]] = {}
    try:
        for path in files:
            with path.open("rb") as fh:
                it = ArchiveIterator(fh)
                for rec in it:
                    url = rec.rec_headers.get_header("WARC-Target-URI")
                    if rec.rec_type not in ("response", "revisit") or url not in wanted or url in pages:
                        continue
                    try:
                        entry = _page(rec, url, index)
                    except (*_READ_ERRORS, StopIteration, sqlite3.Error) as exc:
                        offset: int | str = "?"
                        with contextlib.suppress(*_READ_ERRORS):
                            offset = it.get_record_offset()
                        logger.warning("WACZ pages: %s@%s (%s) unreadable: %s: %s", path.name,
                                       offset, url, type(exc).__name__, exc)
                        continue
                    if entry is not None:
                        pages[url] = entry
    finally:
        if index is not None:
            index.close()
    return list(pages.values())


def _page(rec: Any, url: str, index: DigestIndex | None) -> dict[str, str] | None:
    http = rec.http_headers
    status = int(http.get_statuscode()) if http is not None else 0
    if rec.rec_headers.get_header("WARC-Truncated"):
        return None
    if rec.rec_type == "response":
        if not 200 <= status < 300 or _mime(http) not in HTML_TYPES:
            return None
        body = _headline_bytes(rec, rec.rec_headers.get_header("WARC-Target-URI"))
        ctype = http.get_header("Content-Type")
    else:  # a revisit: its payload is its original's
        digest = rec.rec_headers.get_header("WARC-Payload-Digest")
        if not (200 <= status < 300 or status == 304) or index is None or not digest:
            return None
        if (original := index.original(digest)) is None:
            return None
        body, ctype, mime = _read_at(index.folder / original.file, original.offset, original.record_id)
        if mime not in HTML_TYPES:
            return None
    is_article, title = _headline(url, body, ctype)
    if not is_article:
        return None
    record_id = rec.rec_headers.get_header("WARC-Record-ID") or ""
    entry = {"id": record_id.removeprefix("<urn:uuid:").removesuffix(">"), "url": url,
             "ts": _timestamp(rec.rec_headers.get_header("WARC-Date"))}
    if title:
        entry["title"] = title
    return entry


class WaczFailed(Exception):
    """`wacz create` failed; its last words."""


_WAIT = "--wait-for-command"  # the child's argument: its command comes on stdin


class WaczProcess:
    """py-wacz's child process, started ahead of time: its interpreter and imports (py-wacz,
    cdxj-indexer, frictionless: ~0.7 s) are then not waited for when the crawl ends. It waits,
    idle, for one `wacz create` command line on its stdin; closed unused, it exits; it dies
    with the process that started it."""

    def __init__(self) -> None:
        self._proc = self._start()

    @staticmethod
    def _start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", __name__, str(os.getpid()), _WAIT], env=child_env(),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True)  # Ctrl-C goes to the crawl, which decides

    def create(self, args: Sequence[str]) -> tuple[int, str]:
        """Runs `wacz ARGS`: (exit code, what it said on stderr). One that died while it waited
        (the OOM killer, a stray kill) is replaced by a new one first."""
        if self._proc.poll() is not None:
            self._proc.communicate()  # its pipes closed
            self._proc = self._start()
        _, err = self._proc.communicate(json.dumps(list(args)).encode())  # a broken pipe: ignored
        return self._proc.returncode, err.decode(errors="replace")

    def close(self) -> None:
        """Not needed after all (WACZ off, the crawl failed): it exits on its empty stdin."""
        if self._proc.returncode is None:
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                self._proc.communicate(timeout=10)
            if self._proc.returncode is None:
                self._proc.kill()
                self._proc.wait()


def write_wacz(files: Sequence[Path], output: Path, pages: Sequence[dict[str, str]], *,
               title: str, description: str = "", process: WaczProcess | None = None) -> int:
    """`output` (a .wacz) holding `files` and `pages` as pages/pages.jsonl, written whole or not
    at all (a temporary file renamed); returns its size. Raises WaczFailed or OSError.
    `process`: one started ahead of time (used up here); else one is started now."""
    with replacing(output, _part(output, os.getpid())) as part:
        with tempfile.TemporaryDirectory(prefix="threadwarc-wacz-") as scratch:
            pages_file = Path(scratch) / "pages.jsonl"
            with pages_file.open("w", encoding="utf-8", newline="\n") as fh:
                for entry in (PAGES_HEADER, *pages):
                    fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            args = ["create", "--output", str(part), "--pages", str(pages_file), "--copy-pages",
                    f"--title={title}", *((f"--desc={description}",) if description else ()),
                    *(str(p.resolve()) for p in files)]
            code, err = (process or WaczProcess()).create(args)
        if code != 0:
            said = [line for line in err.splitlines() if line.strip()]
            raise WaczFailed(f"wacz create exited {code}: "
                             + (" / ".join(said[-3:]) if said else "no message"))
    return output.stat().st_size


def _part(output: Path, pid: int) -> Path:
    return output.with_name(f".{output.name}.{pid}.part")


def _remove_leftovers(directory: Path) -> None:
    """`.NAME.wacz.PID.part` files of crawls that were killed while writing them (a crawl
    still running, into the same folder, keeps its own)."""
    for path in directory.glob(".*.wacz.*.part"):
        pid = path.name.rsplit(".", 2)[-2]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:  # gone: nobody will finish it
            path.unlink(missing_ok=True)
        except PermissionError:  # alive, another user's
            continue


# -- at the end of a crawl ------------------------------------------------------------------------


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return describe_os_error(exc, Path(exc.filename) if exc.filename else None)
    return f"{type(exc).__name__}: {exc}" if not isinstance(exc, WaczFailed) else str(exc)


def package_run(cfg: WarcConfig, files: Sequence[Path], crawl_log: Path | None,
                wacz: WaczProcess | None = None) -> dict[str, Any]:
    """A crawl's end: the folder's CDXJ index brought up to date (WARC_CDXJ) and the crawl's
    WARC files packaged (WARC_WACZ). A failure is one ERROR line and `warc/packaging_failed`
    in the stats returned; the WARC files are only read. py-wacz's child process (`wacz`, if
    one was started at the crawl's start) runs while this one indexes (on 2 cores the index
    costs no wall time: ~0.5 s of the crawl's end)."""
    stats: dict[str, Any] = {}
    if not files:
        return stats
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="threadwarc-wacz") as pool:
        job: Future[int] | None = None
        if cfg.wacz:
            started = time.monotonic()
            output = cfg.directory / f"{run_name(files)}.wacz"
            try:
                _remove_leftovers(cfg.directory)
                if crawl_log is None:
                    logger.warning("WACZ: no crawl log (THREAD_REPORT_ENABLED is off), so no article "
                                   "page is known: pages/pages.jsonl lists none")
                    pages = []
                else:
                    pages = article_pages(files, crawl_log, cfg.index_path if cfg.dedup else None)
                found = time.monotonic() - started
                job = pool.submit(write_wacz, files, output, pages, title=run_name(files),
                                  description=dict(cfg.info).get("description", ""), process=wacz)
            except Exception as exc:  # anything: the crawl's WARCs stand, its dataset is published
                _wacz_failed(stats, output, exc)
                logger.debug("WACZ failed", exc_info=True)
        if cfg.cdxj:
            try:
                report = update_index(cfg.directory, cfg.cdxj_path)
            except Exception as exc:  # anything: the crawl's WARCs stand, its dataset is published
                stats["warc/packaging_failed"] = 1
                logger.error("CDXJ index not written: %s (the WARC files are whole; the next crawl "
                             "into the folder indexes them)", _describe(exc))
                logger.debug("CDXJ index failed", exc_info=True)
            else:
                for problem in report.unreadable:
                    logger.warning("CDXJ index: %s", problem)
                logger.info("CDXJ index: %d records of %d WARC file(s) in %.2f s (%d 304 revisits left "
                            "out: replayed from their originals); %s covers %d records of %d file(s)%s",
                            report.added_records, len(report.added_files), report.seconds,
                            report.not_modified, report.path, report.records, report.files,
                            f" ({len(report.dropped_files)} file(s) gone from the folder dropped: "
                            f"{', '.join(report.dropped_files[:5])})" if report.dropped_files else "")
                stats.update({"warc/cdxj_records": report.added_records,
                              "warc/cdxj_not_modified_left_out": report.not_modified,
                              "warc/cdxj_seconds": round(report.seconds, 3)})
        if job is not None:
            try:
                size = job.result()
            except Exception as exc:
                _wacz_failed(stats, output, exc)
                logger.debug("WACZ failed", exc_info=True)
            else:
                seconds = time.monotonic() - started
                logger.info("WACZ: %s, %d article page(s), %d WARC file(s), %d bytes in %.2f s (pages "
                            "%.2f s)", output, len(pages), len(files), size, seconds, found)
                stats.update({"warc/wacz_pages": len(pages), "warc/wacz_bytes": size,
                              "warc/wacz_seconds": round(seconds, 3)})
    return stats


def _wacz_failed(stats: dict[str, Any], output: Path, exc: Exception) -> None:
    stats["warc/packaging_failed"] = 1
    logger.error("WACZ not written: %s: %s (the WARC files are whole)", output, _describe(exc))


# -- the child process that runs py-wacz ----------------------------------------------------------


def _wacz_child(argv: list[str]) -> int:
    """`python -m pipelines.archiving.packaging PARENT_PID --wait-for-command`, then `create ...`
    as one JSON list on stdin (nothing: exit): py-wacz's `wacz create`, its exit code kept, its
    progress lines on stderr; dies with its parent (Linux)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the crawl decides; a forced stop kills us below
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    parent, *args = argv
    if os.getppid() != int(parent):
        return 1
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
        from wacz.main import main
    if args == [_WAIT]:
        command = sys.stdin.read()
        if not command:
            return 0
        args = json.loads(command)

    with contextlib.redirect_stdout(sys.stderr):
        return int(main(args) or 0)


if __name__ == "__main__":
    sys.exit(_wacz_child(sys.argv[1:]))
