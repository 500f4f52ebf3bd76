"""The dataset card: README.md with the YAML `configs` that `datasets.load_dataset` reads, and
what a researcher needs to trust the rows: what was crawled, per site and split, what every
column means and when it is null, how to load it, its terms and how to cite it.

Generated from the data and the WARC files only (no clock, no environment but the dataset's
own path): the same WARC files published to the same place give the same bytes.
"""

from __future__ import annotations

import re
import shlex
from collections import Counter
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from . import target as target_folder
from .config import DatasetConfig
from .parquet import ROW_GROUP_BYTES, ROW_GROUP_ROWS, shard_files
from .profile import Profile, SiteSplit
from .schema import DOCS, PARENT_NOT_ARCHIVED, PLATFORM_NOTES, SCHEMAS
from .sources import CrawlInfo, describe

HOMEPAGE = "https://github.com/threadwarc/threadwarc"
SHOWN = 20  # files, seeds, crawls listed before "and N more"
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_SIZES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
          (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B"))


def _safe(host: str) -> str:
    """Host names come from archived URLs: nothing but host characters reaches the card."""
    return re.sub(r"[^A-Za-z0-9.:\[\]_-]", "?", host)[:253]


def _safe_id(text: str) -> str:
    """Crawl ids come from WARC files: no markup or line breaks reach the card."""
    return re.sub(r"[^A-Za-z0-9.:_@+=/#-]", "?", text)[:200]


_ENTITIES = {ch: f"&#{ord(ch)};" for ch in "&<>|`*_[]\\#!~{}$"}


def _text(value: str, limit: int = 200) -> str:
    """Text from a WARC file (warcinfo) as inert Markdown: one line, markup as entities."""
    one = " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())
    cut = one[:limit] + ("..." if len(one) > limit else "")
    return "".join(_ENTITIES.get(ch, ch) for ch in cut)


def features_yaml(fields: pa.Schema | list[pa.Field]) -> list[dict[str, Any]]:
    """The `features` YAML `datasets` writes for these Arrow types (without importing it:
    ~1 s of start-up on the serial path of every publish). A test checks both agree."""
    out: list[dict[str, Any]] = []
    for f in fields:
        if pa.types.is_list(f.type) and pa.types.is_struct(f.type.value_type):
            out.append({"name": f.name, "list": features_yaml(list(f.type.value_type))})
        else:
            out.append({"name": f.name, "dtype": str(f.type)})
    return out


def local_path(cfg: DatasetConfig) -> str:
    """Where the dataset is once swapped in: the real, absolute folder (a symlink followed)."""
    return str(target_folder.resolve(cfg.directory))


def write_card(root: Path, cfg: DatasetConfig, counts: dict[str, dict[str, int]],
               summary: dict[str, Any], warcs: list[Path], *, path: str | None = None) -> None:
    """README.md in `root` (the build folder); `path`: the folder the loading lines name
    (default: the real path of cfg.directory, where the build is swapped in)."""
    (root / "README.md").write_text(card_text(root, cfg, counts, summary, warcs, path=path),
                                    encoding="utf-8")


def card_text(root: Path, cfg: DatasetConfig, counts: dict[str, dict[str, int]],
              summary: dict[str, Any], warcs: list[Path], *, path: str | None = None) -> str:
    # a card going to the Hub names no folder of this machine: the local copy is `./NAME`
    path = path or (f"./{Path(local_path(cfg)).name}" if cfg.hub_repo else local_path(cfg))
    profile: Profile | None = summary.get("profile")
    crawls = describe(warcs)
    fetched: list[datetime] = summary.get("fetched") or []
    files = {c: {s: shard_files(root, c, s) for s in counts[c]} for c in SCHEMAS}
    # the exports beside them (export.py): folder -> split -> files
    exports = {folder: {s: found for s, _ in cfg.splits if (found := shard_files(root, folder, s))}
               for folder in (*(f"jsonl/{c}" for c in SCHEMAS), "threads")}
    exports = {folder: per for folder, per in exports.items() if per}
    name = cfg.pretty_name or "threadwarc: articles and comment threads"
    front = _front_matter(cfg, name, counts, summary, files, profile)
    first, last = (f"{t:%Y-%m-%d %H:%M:%S} UTC" for t in fetched) if fetched else ("-", "-")
    lines = [
        "---", yaml.safe_dump(front, sort_keys=False, allow_unicode=True).rstrip(), "---", "",
        f"# {_text(name)}", "",
        "News articles and their comment threads, extracted from web archives (WARC files) by",
        f"[threadwarc]({HOMEPAGE}) {version('threadwarc')}: "
        f"{_total(counts, 'articles')} articles and {_total(counts, 'comments')} comments from "
        f"{len(profile.sites()) if profile else len(summary.get('hosts') or {})} site(s), crawled "
        f"{first} to {last}. The dataset is a deterministic function of the WARC files: publishing "
        "the same files again gives the same files, and every row names the WARC record it came from.",
        "",
        *_notices(cfg),
        *_loading(cfg, path, counts, exports),
        *_crawled(crawls, warcs, first, last, summary),
        *_contents(cfg, counts, profile),
        *_splits(cfg),
        *_files(cfg, root, files, exports),
        *_fields(profile),
        *_ethics(cfg, crawls),
        *_citation(cfg, name, crawls, fetched, counts, len(warcs)),
    ]
    return "\n".join(lines)


def _total(counts: dict[str, dict[str, int]], config: str) -> str:
    return f"{sum(counts[config].values()):,}"


def _front_matter(cfg: DatasetConfig, name: str, counts: dict[str, dict[str, int]],
                  summary: dict[str, Any], files: dict[str, dict[str, list[str]]],
                  profile: Profile | None) -> dict[str, Any]:
    rows = max(sum(per.values()) for per in counts.values())
    # the Hub's `language`: ISO 639 codes (`en-US` -> `en`), only what looks like one
    seen = profile.total().languages if profile else Counter()
    primary = {lang.split("-")[0].split("_")[0].lower() for lang in seen}
    languages = sorted(lang for lang in primary if _LANGUAGE.fullmatch(lang))
    nbytes = summary.get("nbytes") or {}
    return {
        "pretty_name": name,
        "license": cfg.license or "unknown",
        **({"language": languages} if languages else {}),
        "size_categories": [next((label for top, label in _SIZES if rows < top), "n>1B")],
        "task_categories": ["text-generation", "text-classification"],
        "tags": ["web-archive", "warc", "comments", "threaded-discussions"],
        "configs": [
            {
                "config_name": config,
                **({"default": True} if config == "articles" else {}),
                "data_files": [{"split": split, "path": paths} for split, paths in per.items()],
            }
            for config, per in files.items()
        ],
        "dataset_info": [
            {
                "config_name": config,
                # datasets' own YAML for the Arrow schema, so the Hub shows the real types
                "features": features_yaml(schema),
                "splits": [
                    {"name": s, "num_bytes": nbytes.get(config, {}).get(s, 0), "num_examples": n}
                    for s, n in counts[config].items()
                ],
            }
            for config, schema in SCHEMAS.items()
        ],
    }


def _notices(cfg: DatasetConfig) -> list[str]:
    out = []
    if not cfg.license:
        out += ["> **License not set.** Whoever publishes this dataset must say on what terms it "
                "may be used: set `DATASET_LICENSE` (a Hub license id such as `cc-by-4.0`, or "
                "`other` with the terms below) and publish again. Until then its YAML says "
                "`license: unknown`.", ""]
    if not cfg.contact:
        out += ["> **Contact not set.** Set `DATASET_CONTACT` (an address for questions and "
                "takedown requests) and publish again.", ""]
    return out


def _loading(cfg: DatasetConfig, path: str, counts: dict[str, dict[str, int]],
             exports: dict[str, dict[str, list[str]]]) -> list[str]:
    split = next(iter(counts["comments"]), cfg.splits[0][0])
    where = [repr(cfg.hub_repo)] if cfg.hub_repo else []
    where.append(repr(path))
    out = ["## Loading", "", "```python", "from datasets import load_dataset", ""]
    for name in where:
        out += ["# this folder" if not cfg.hub_repo else
                "# from the Hugging Face Hub" if name == repr(cfg.hub_repo) else
                f"# a local copy (hf download --repo-type dataset {cfg.hub_repo} "
                f"--local-dir {path})",
                f"articles = load_dataset({name}, 'articles')  # the default config",
                f"comments = load_dataset({name}, 'comments')",
                f"for row in load_dataset({name}, 'comments', split={split!r}, streaming=True):",
                "    ...  # streaming: shard by shard, row group by row group", ""]
    out[-1:] = ["```", ""]
    if not cfg.hub_repo:
        out += ["Not on the Hugging Face Hub (no `DATASET_HUB_REPO`): pushed with "
                "`--push-to-hub OWNER/NAME`, the card gains the Hub's loading lines.", ""]
    if "jsonl/comments" in exports:
        out += ["The same rows as gzipped JSON Lines (`jsonl/`, one object per line, every column "
                "in schema order, timestamps ISO 8601 in UTC), for tools other than `datasets`:", "",
                "```sh", f"zcat {shlex.quote(path)}/jsonl/comments/*.jsonl.gz | jq -c '{{comment_id, "
                "parent_id, text}'", "```", "",
                "For `datasets`, load the configs above: `load_dataset(\"json\", ...)` on these files "
                "infers types before it casts them, and reads the `date` strings as timestamps.", ""]
    if threads := exports.get("threads"):
        some = next(iter(threads.values()))[0]
        out += ["The nested thread view (`threads/`: each article with its `comments` as a tree, "
                "each comment's replies in its `replies`) is gzipped JSON Lines too, not a "
                "`datasets` config (a tree of any depth has no fixed type):", "", "```python",
                "import gzip, json", "",
                f"with gzip.open({str(Path(path) / some)!r}, 'rt', encoding='utf-8') as fh:",
                "    for line in fh:",
                "        article = json.loads(line)  # article['comments'][0]['replies'] ...",
                "```", "",
                "(`json.loads` recurses: a thread more than ~400 replies deep needs "
                "`sys.setrecursionlimit`.)", ""]
    return out


def _crawled(crawls: list[CrawlInfo], warcs: list[Path], first: str, last: str,
             summary: dict[str, Any]) -> list[str]:
    out = ["## What was crawled", "",
           f"- Fetched: {first} to {last} (the WARC-Date of the first and last capture of an "
           "article's pages).",
           f"- Source: {len(warcs)} WARC/WACZ file(s): "
           + ", ".join(f"`{_safe_id(p.name)}`" for p in warcs[:SHOWN])
           + (f" and {len(warcs) - SHOWN} more" if len(warcs) > SHOWN else ""),
           f"- Crawls: {len(summary.get('crawls') or crawls)}, oldest first: "
           + ", ".join(f"`{_safe_id(c)}`" for c in (summary.get("crawls") or [c.id for c in crawls])[:SHOWN])
           + (" ..." if len(summary.get("crawls") or crawls) > SHOWN else ""),
           "- Every capture in the archive counts, from every crawl: a page fetched again (or "
           "archived as a `revisit` record of an earlier capture) is merged with its earlier "
           "captures. A comment is one row with the fields of the newest crawl that showed it; "
           "`first_seen`/`last_seen` and `first_crawl`/`last_crawl` say when it was seen, and one "
           "that a later capture of its page no longer shows is kept, with `removed_at` set.",
           "",
           "As each crawl's warcinfo record states it (`-`: not stated):", "",
           "| crawl | files | software | robots.txt | seeds | operator | part of | user agent |",
           "|---|---:|---|---|---|---|---|---|"]
    for c in crawls[:SHOWN * 5]:
        seeds = c.seeds
        shown = ", ".join(_text(s, 120) for s in seeds[:5])
        if (rest := c.seed_count - len(seeds[:5])) > 0:
            shown += f" and {rest:,} more"
        info = {k: _text(v) for k, v in c.info.items()}
        out.append(f"| `{_safe_id(c.id)}` | {len(c.files)} | {info.get('software', '-')} | "
                   f"{info.get('robots', '-')} | {shown or '-'} | {info.get('operator', '-')} | "
                   f"{info.get('is_part_of', '-')} | {info.get('user_agent', '-')} |")
    if len(crawls) > SHOWN * 5:
        out.append(f"| and {len(crawls) - SHOWN * 5} more | | | | | | | |")
    return [*out, ""]


def _contents(cfg: DatasetConfig, counts: dict[str, dict[str, int]], profile: Profile | None) -> list[str]:
    out = ["## Contents", "",
           "| config | " + " | ".join(s for s, _ in cfg.splits) + " |",
           "|---|" + "---:|" * len(cfg.splits),
           *(f"| {name} | " + " | ".join(f"{counts[name].get(s, 0):,}" for s, _ in cfg.splits) + " |"
             for name in SCHEMAS), ""]
    if profile is None:
        return out
    out += ["Per site and split (`published`: the articles' range; deepest thread: the largest "
            "comment `depth`, with how many comments have an unknown depth):", "",
            "| site | split | articles | comments | published | deepest thread | languages | platforms "
            "| comments_status |", "|---|---|---:|---:|---|---|---|---|---|"]
    order = {s: i for i, (s, _) in enumerate(cfg.splits)}
    for (host, split), cell in sorted(profile.cells.items(), key=lambda kv: (kv[0][0], order[kv[0][1]])):
        out.append(_row(f"`{_safe(host)}`", split, cell))
    if len(profile.cells) > 1:
        out.append(_row("**all**", "all", profile.total()))
    return [*out, ""]


def _row(site: str, split: str, cell: SiteSplit) -> str:
    span = ("-" if cell.first_published is None else
            f"{cell.first_published:%Y-%m-%d} to {cell.last_published:%Y-%m-%d}")
    deepest = "-" if cell.deepest is None else str(cell.deepest)
    if cell.depth_unknown:
        deepest += f" ({cell.depth_unknown:,} unknown)"
    return (f"| {site} | {split} | {cell.articles:,} | {cell.comments:,} | {span} | {deepest} | "
            f"{_counts(cell.languages)} | {_counts(cell.platforms)} | {_counts(cell.statuses)} |")


def _counts(c: Counter[str]) -> str:
    return ", ".join(f"{_text(k, 40)} {n:,}" for k, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))


def _splits(cfg: DatasetConfig) -> list[str]:
    return [
        "## Splits", "",
        f"{', '.join(f'{s} {r:g}' for s, r in cfg.splits)} of the articles, by article: an article and "
        "all its comments are in one split, so a thread never straddles two. The split is a hash of "
        "the article's identity on its site: its canonical URL's **path and query**, without scheme, "
        "host, port or fragment (`https://www.example.com:8443/news/a?id=7#c1` is `/news/a?id=7`; "
        "the first 8 bytes of its SHA-256 as a point in [0, 1) on the ratios). So the same article "
        "lands in the same split in every publish: over http or https, with or without `www.`, from "
        "another port, a mirror or a domain the site moved to. Articles of two sites at the same "
        "path share a split (syndicated copies cannot leak from train into test). Where a platform "
        "has article ids they are in that path (`item?id=N`, `/comments/<id>/`, `/t/<slug>/<id>`).",
        "",
    ]


def _files(cfg: DatasetConfig, root: Path, files: dict[str, dict[str, list[str]]],
           exports: dict[str, dict[str, list[str]]]) -> list[str]:
    def size(per: dict[str, list[str]]) -> int:
        return sum((root / f).stat().st_size for paths in per.values() for f in paths)

    data = sum(len(paths) for per in files.values() for paths in per.values())
    extra = sum(len(paths) for per in exports.values() for paths in per.values())
    out = ["## Files", "",
           f"{data} Parquet file(s), {sum(map(size, files.values())):,} bytes (zstd; row groups of at "
           f"most {ROW_GROUP_ROWS:,} rows or ~{ROW_GROUP_BYTES >> 20} MiB of Arrow data, so a streaming "
           "reader holds one at a time)"
           + (f"; exports beside them: {extra} gzipped JSON Lines file(s), "
              f"{sum(map(size, exports.values())):,} bytes" if exports else "")
           + ". Shards are named as `datasets` names "
           "the shards it pushes, `{config}/{split}-{i:05d}-of-{n:05d}-{digest}`, and hold at most "
           f"{cfg.shard_bytes:,} bytes each (`DATASET_SHARD_SIZE`). The digest (16 hex digits of "
           "the file's SHA-256) is in the name because `datasets` caches a local dataset under "
           "its folder's name and these paths: a republished dataset gets new names, so it is "
           "never read from the cache of the old one.", "",
           "| config | split | shards |", "|---|---|---:|"]
    for config, per in (*files.items(), *exports.items()):
        out += [f"| {config} | {split} | {len(paths)} |" for split, paths in per.items()]
    return [*out, ""]


def _fields(profile: Profile | None) -> list[str]:
    out = ["## Fields", "",
           "Every column, its Arrow type, what it holds and when it is null. Timestamps are UTC.", ""]
    for name, schema in SCHEMAS.items():
        out += [f"### `{name}`", "", "| field | type | meaning | null when |", "|---|---|---|---|"]
        out += [f"| `{f.name}` | {_type(f)} | {DOCS[name][f.name][0]} | {DOCS[name][f.name][1]} |"
                for f in schema]
        out.append("")
    present = sorted(profile.total().platforms) if profile else sorted(PLATFORM_NOTES)
    out += ["### Parents per platform", "",
            "How each platform's pages say which comment a comment replies to, what an unknown "
            "parent (`parent_id` null and `depth` null) means there, and when a comment's "
            "`published` is null. " + PARENT_NOT_ARCHIVED
            + (" Platforms of this dataset:" if profile else ""), "",
            "| platform | parent / unknown parent | comment `published` |", "|---|---|---|"]
    alike: dict[tuple[str, str], list[str]] = {}  # the forum engines share their notes
    for p in present:
        if p in PLATFORM_NOTES:
            alike.setdefault(PLATFORM_NOTES[p], []).append(f"`{p}`")
    out += [f"| {', '.join(names)} | {parents} | {published} |"
            for (parents, published), names in alike.items()]
    return [*out, ""]


def _type(f: pa.Field) -> str:
    if pa.types.is_list(f.type) and pa.types.is_struct(f.type.value_type):
        return f"list of struct (the `{f.name}` config's columns)"
    return f"`{f.type}`"


def _ethics(cfg: DatasetConfig, crawls: list[CrawlInfo]) -> list[str]:
    robots = sorted({c.info.get("robots", "not stated") for c in crawls}) or ["not stated"]
    return [
        "## License, terms and ethics", "",
        f"- License: **{_text(cfg.license)}**." if cfg.license else
        "- License: **not set** (`DATASET_LICENSE`). *The operator must fill this in.*",
        f"- Contact: {_text(cfg.contact)}." if cfg.contact else
        "- Contact: **not set** (`DATASET_CONTACT`). *The operator must fill this in.*",
        "- The texts belong to their authors and publishers; this dataset redistributes archived "
        "public web pages for research. Check the sites' terms before any other use.",
        "- Personal data: comment authors are the names and usernames shown on the pages, and "
        "comment texts may name people. Use the rows for aggregate research; do not profile or "
        "contact individuals. Requests to remove content go to the contact above: remove the "
        "pages from the WARC files (or the rows' records) and publish again.",
        f"- robots.txt, as the crawls' warcinfo states their policy: {', '.join(_text(r) for r in robots)}.",
        "",
    ]


def _bib(value: str) -> str:
    """A BibTeX field value: one line, its specials escaped, no backtick (the code fence)."""
    one = " ".join("".join(ch if ch.isprintable() else " " for ch in value).split()).replace("`", "'")
    return re.sub(r"([{}\\%&$#_^~])", r"\\\1", one)


def _citation(cfg: DatasetConfig, name: str, crawls: list[CrawlInfo], fetched: list[datetime],
              counts: dict[str, dict[str, int]], n_files: int) -> list[str]:
    operators = sorted({c.info["operator"] for c in crawls if c.info.get("operator")})
    author = _bib(" and ".join(operators)) if operators else "Unknown (set WARC\\_OPERATOR)"
    year = f"{fetched[-1]:%Y}" if fetched else "n.d."
    key = re.sub(r"[^a-z0-9]+", "_", f"{cfg.hub_repo or name}_{year}".lower()).strip("_")
    where = (f"\\url{{https://huggingface.co/datasets/{cfg.hub_repo}}}" if cfg.hub_repo
             else "Dataset folder (not on the Hub)")
    crawled = f", crawled {fetched[0]:%Y-%m-%d} to {fetched[-1]:%Y-%m-%d}" if fetched else ""
    return [
        "## Citation", "",
        "```bibtex",
        f"@misc{{{key},",
        f"  title        = {{{_bib(name)}}},",
        f"  author       = {{{author}}},",
        f"  year         = {{{year}}},",
        f"  howpublished = {{{where}}},",
        f"  note         = {{{_total(counts, 'articles')} articles and {_total(counts, 'comments')} "
        f"comments extracted with threadwarc {version('threadwarc')} from {n_files} WARC file(s){crawled}}}",
        "}",
        "```",
        "",
    ]
