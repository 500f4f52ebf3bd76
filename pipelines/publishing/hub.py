"""Pushing a published dataset folder to the Hugging Face Hub (`--push-to-hub`, DATASET_HUB_REPO).

One commit per publish (huggingface_hub's upload_folder: files the Hub already holds with the
same bytes are not sent again; shards of an earlier publish that this one no longer has are
deleted in the same commit), the crawl dates in its message, and a tag per version, named
after the dataset's content (`v-<digest>`), so the same dataset pushed twice is one version.

The token is HF_TOKEN or the one `huggingface-cli login` stored (huggingface_hub finds both);
it is never logged, and never written into the dataset (the card names the repository, not
who pushed it). HF_ENDPOINT points at another Hub (a mirror, a test stand-in).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

REPO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}\Z")


class PushFailed(Exception):
    """One line for the user: why the dataset is not on the Hub (the local one is untouched)."""


@dataclass
class Pushed:
    repo_id: str
    url: str  # the commit's URL, or the repository's when nothing changed
    tag: str
    changed: bool  # False: the Hub already had this version


def commit_message(counts: dict[str, dict[str, int]], dates: tuple[str, str] | None) -> str:
    """`Publish 16 articles, 2,080 comments (crawled 2026-12-01 to 2026-12-02)`."""
    first, last = dates or ("", "")
    when = (f"crawled {first}" + (f" to {last}" if last and last != first else "")) if first else "no date"
    articles = sum(counts.get("articles", {}).values())
    comments = sum(counts.get("comments", {}).values())
    return f"Publish {articles:,} articles, {comments:,} comments ({when})"


def check_repo_id(repo_id: str) -> str:
    if not REPO_ID.match(repo_id or "") or ".." in repo_id or repo_id.endswith((".git", ".")):
        raise PushFailed(f"not a Hub dataset repository name: {repo_id!r} (expected OWNER/NAME)")
    return repo_id


def version_tag(folder: Path) -> str:
    """`v-` + 12 hex digits of sha256 over the dataset's file names and bytes (shard names carry
    their own digests, so reading the card is enough besides them)."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        rel = path.relative_to(folder).as_posix()
        h.update(rel.encode() + b"\0")
        if path.name == "README.md" or not re.search(r"-[0-9a-f]{16}\.\w+$", path.name):
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return "v-" + h.hexdigest()[:12]


def push(
    folder: Path, repo_id: str, *, private: bool = False, message: str, token: str | None = None
) -> Pushed:
    """Uploads the dataset folder as one commit to the dataset repository `repo_id` (created if
    missing) and tags it. Raises PushFailed with one line (no token in it) on any failure."""
    check_repo_id(repo_id)
    from huggingface_hub import HfApi, get_token
    from huggingface_hub.errors import HfHubHTTPError

    token = token or os.environ.get("HF_TOKEN") or get_token()
    if not token:
        raise PushFailed(
            "no Hugging Face token: set HF_TOKEN or run `huggingface-cli login` "
            "(the dataset is published locally, not pushed)"
        )
    endpoint = os.environ.get("HF_ENDPOINT") or None
    api = HfApi(endpoint=endpoint, token=token)
    tag = version_tag(folder)
    try:
        repo = api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        info = api.upload_folder(
            repo_id=repo_id,
            repo_type="dataset",
            folder_path=folder,
            commit_message=message,
            allow_patterns=["README.md", "*/*.parquet", "*/*.jsonl", "*/*.jsonl.gz", "*/*.json"],
            delete_patterns=["*/*.parquet", "*/*.jsonl", "*/*.jsonl.gz", "*/*.json"],
        )
        changed = not _has_tag(api, repo_id, tag)
        if changed:
            api.create_tag(repo_id, repo_type="dataset", tag=tag, tag_message=message, exist_ok=True)
    except HfHubHTTPError as exc:
        raise PushFailed(
            _scrub(f"the Hub refused the push to {repo_id}: {_http_reason(exc)}", token)
        ) from None
    except Exception as exc:  # noqa: BLE001 - no network, DNS, refused, TLS (httpx's errors)
        raise PushFailed(
            _scrub(
                f"cannot reach the Hub at {endpoint or 'huggingface.co'}: "
                f"{type(exc).__name__}: {_first_line(exc)}",
                token,
            )
        ) from None
    return Pushed(repo_id, info.commit_url if changed else str(repo), tag, changed)


def _has_tag(api: object, repo_id: str, tag: str) -> bool:
    refs = api.list_repo_refs(repo_id, repo_type="dataset")  # type: ignore[attr-defined]
    return any(t.name == tag for t in refs.tags)


def _http_reason(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    server = getattr(exc, "server_message", None) or ""
    reason = {
        401: "the token is not valid (401)",
        403: "the token may not write to it (403)",
        404: "no such repository, or no access (404)",
    }.get(status or 0)
    return reason or f"HTTP {status}: {_first_line(server or exc)}"


def _first_line(exc: object) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _scrub(text: str, token: str | None) -> str:
    """No token in a message, whatever a library put into its error."""
    if token:
        text = text.replace(token, "***")
    return re.sub(r"\bhf_[A-Za-z0-9]{8,}\b", "hf_***", text)
