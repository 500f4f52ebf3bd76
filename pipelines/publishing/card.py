"""The dataset card: README.md with the YAML `configs` that `datasets.load_dataset` reads."""

from __future__ import annotations

import re
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from .config import DatasetConfig
from .parquet import shard_file
from .schema import SCHEMAS

FIELD_DOCS = {
    "article_id": "stable id of the article: first 16 hex digits of sha1(url)",
    "url": "URL of the archived page the article body was read from",
    "canonical_url": "canonical URL of the article: all pages of its thread share it",
    "article_url": "canonical_url of the comment's article",
    "text": "article body (trafilatura, comments excluded) / comment text "
    "(a line per paragraph, quotes as `> `)",
    "published": "publication time in UTC, where the page states it with a timezone",
    "date": "publication date found by trafilatura/htmldate (fetch date as upper bound)",
    "comments_status": "`html`: the thread was in the archived pages, so comment_count is real "
    "(0 included); `not_in_html`: a script loads it (Disqus, Coral, ...), count unknown; "
    "`unparsed`: the page may hold a thread no parser reads (no rows rather than wrong ones); "
    "`none`: the article page has no comment section",
    "title": "the article's own headline (JSON-LD headline, og:title, the platform's title), "
    "without the site's name",
    "author": "the author as the platform names its users (the username where it has one: the "
    "same rule as for comment authors)",
    "author_name": "a full name the platform shows beside the username (Discourse); null elsewhere",
    "comments": "the article's comments, as in the `comments` config",
    "comment_id": "the platform's own comment id (generic fallback: the variable part of the "
    "block's id, or `h` + a digest of author and text for a block without one)",
    "parent_id": "id of the comment replied to; null for top-level comments (depth 0) and where "
    "the page does not say (depth null)",
    "depth": "0 for top-level; null where the parent is unknown or missing from the archive",
    "position": "0-based order of the comment in the thread",
    "page": "0-based page of the thread the comment was read from",
    "confidence": "`high` for platform parsers; `low` for the generic fallback (repeated comment "
    "blocks, also on a known platform's page whose theme its parser does not read)",
    "warc_file": "WARC file holding the record the row was extracted from",
    "warc_offset": "byte offset of that record in the file (open it with warcio)",
    "warc_length": "length of the record in the file, compressed",
    "warc_record_id": "WARC-Record-ID of that record",
    "fetch_time": "WARC-Date: when the page was fetched (for a `revisit` record, the revisit's: "
    "its page was read from the record it refers to)",
    "first_seen": "fetch time of the first capture that showed it (any crawl in the archive)",
    "last_seen": "fetch time of the last capture that showed it",
    "removed_at": "fetch time of the first capture of the thread page it was last seen on, "
    "after that, that no longer showed it (deleted, or moved to a page not fetched again); "
    "null while it is still shown or that page was not fetched again",
    "first_crawl": "the crawl of its first capture: the warcinfo `crawl-id`, else threadwarc's "
    "run (`PREFIX-STAMP-HOST` of the run's first WARC file), else the WARC file's name",
    "last_crawl": "the crawl of its last capture (same naming)",
}


def _safe(host: str) -> str:
    """Host names come from archived URLs: nothing but host characters reaches the card."""
    return re.sub(r"[^A-Za-z0-9.:\[\]_-]", "?", host)[:253]


def _safe_id(text: str) -> str:
    """Crawl ids come from WARC files: no markup or line breaks reach the card."""
    return re.sub(r"[^A-Za-z0-9.:_@+=/-]", "?", text)[:200]


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


def write_card(root: Path, cfg: DatasetConfig, counts: dict[str, dict[str, int]],
               summary: dict[str, Any], warcs: list[Path]) -> None:
    hosts: Counter[str] = summary["hosts"]
    crawl_ids: list[str] = summary.get("crawls", [])
    fetched = summary["fetched"]
    configs = [
        {
            "config_name": name,
            **({"default": True} if name == "articles" else {}),
            "data_files": [
                {"split": split, "path": shard_file(root, name, split)} for split in counts[name]
            ],
        }
        for name in SCHEMAS
    ]
    front = {
        "pretty_name": cfg.pretty_name or "threadwarc: articles and comment threads",
        "license": cfg.license,
        "task_categories": ["text-generation", "text-classification"],
        "tags": ["web-archive", "warc", "comments", "threaded-discussions"],
        "configs": configs,
        "dataset_info": [
            {
                "config_name": name,
                # datasets' own YAML for the Arrow schema, so the Hub shows the real types
                "features": features_yaml(schema),
                "splits": [
                    {"name": s, "num_bytes": summary["nbytes"][name][s], "num_examples": n}
                    for s, n in counts[name].items()
                ],
            }
            for name, schema in SCHEMAS.items()
        ],
    }
    first, last = (f"{t:%Y-%m-%d %H:%M:%S} UTC" for t in fetched) if fetched else ("-", "-")
    lines = [
        "---",
        yaml.safe_dump(front, sort_keys=False, allow_unicode=True).rstrip(),
        "---",
        "",
        f"# {front['pretty_name']}",
        "",
        "News articles and their comment threads, extracted from web archives (WARC files) by",
        f"[threadwarc](https://github.com/threadwarc/threadwarc) {version('threadwarc')}. "
        "The dataset is a deterministic function of the WARC files: publishing the same files",
        "again gives the same Parquet bytes, and every row names the WARC record it came from.",
        "",
        "## Loading",
        "",
        "```python",
        "from datasets import load_dataset",
        'articles = load_dataset("PATH_OR_REPO", "articles")  # the default config',
        'comments = load_dataset("PATH_OR_REPO", "comments")',
        "```",
        "",
        "## Contents",
        "",
        "| config | " + " | ".join(s for s, _ in cfg.splits) + " |",
        "|---|" + "---:|" * len(cfg.splits),
        *(
            f"| {name} | " + " | ".join(str(counts[name].get(s, 0)) for s, _ in cfg.splits) + " |"
            for name in SCHEMAS
        ),
        "",
        f"- Sites: {', '.join(f'`{_safe(h)}` ({n} articles)' for h, n in sorted(hosts.items())) or '-'}",
        f"- Crawled: {first} to {last}",
        f"- Source: {len(warcs)} WARC file(s): "
        + ", ".join(f"`{p.name}`" for p in warcs[:20]) + (" ..." if len(warcs) > 20 else ""),
        f"- Crawls: {len(crawl_ids)}, oldest first: "
        + ", ".join(f"`{_safe_id(c)}`" for c in crawl_ids[:20]) + (" ..." if len(crawl_ids) > 20 else ""),
        "- Every capture in the archive counts, from every crawl: a page fetched again (or "
        "archived as a `revisit` record of an earlier capture) is merged with its earlier "
        "captures. A comment is one row with the fields of the newest crawl that showed it; "
        "`first_seen`/`last_seen` and `first_crawl`/`last_crawl` say when it was seen, and one "
        "that a later capture of its page no longer shows is kept, with `removed_at` set.",
        "- Splits are by article (a hash of its URL), so a thread never straddles two splits: "
        + ", ".join(f"{s} {r:g}" for s, r in cfg.splits) + ".",
        "",
        "## Fields",
        "",
    ]
    for name, schema in SCHEMAS.items():
        lines += [f"### `{name}`", "", "| field | type | meaning |", "|---|---|---|"]
        lines += [f"| `{f.name}` | `{f.type}` | {FIELD_DOCS.get(f.name, '')} |"
                  for f in schema if f.name != "comments" or name == "articles"]
        lines.append("")
    lines += [
        "## License and source",
        "",
        f"License field: `{cfg.license}`. The texts belong to their authors and publishers;",
        "this dataset redistributes archived public web pages for research. Check the sites'",
        "terms before any other use. Comment authors are the names shown on the pages.",
        "",
    ]
    (root / "README.md").write_text("\n".join(lines), encoding="utf-8")
