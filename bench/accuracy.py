"""Comment-thread accuracy per platform: crawl + publish each demo platform, score against its
ground truth; then discovery recall: the same site seeded with its homepage `/` only.

    python bench/accuracy.py [--platform NAME ...]

Per platform: comment precision/recall/F1 (a comment is right when its article URL and
comment_id match), parent-link accuracy, author and time accuracy (over matched comments),
body token F1 (articles, macro average) and the leak rate (articles whose body holds a line
of their own comments).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demosite.process import spawn  # noqa: E402
from demosite.renderers import RENDERERS  # noqa: E402

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s", "LOG_LEVEL=WARNING"]
TOKEN = re.compile(r"\w+", re.UNICODE)


def start(platform: str, tmp: Path) -> tuple[subprocess.Popen[bytes], dict]:
    truth_file = tmp / "truth.json"
    proc, _ = spawn("--platform", platform, "--slow-seconds", "0", "--truth", str(truth_file))
    return proc, json.loads(truth_file.read_text())


def rows(dataset: Path, config: str) -> list[dict]:
    return [r for f in sorted((dataset / config).glob("*.parquet")) for r in pq.read_table(f).to_pylist()]


def instant(value: object) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.astimezone(timezone.utc)


def token_f1(pred: str, gold: str) -> float:
    p, g = Counter(TOKEN.findall(pred.lower())), Counter(TOKEN.findall(gold.lower()))
    overlap = sum((p & g).values())
    if not p or not g:
        return float(p == g)
    precision, recall = overlap / sum(p.values()), overlap / sum(g.values())
    return 2 * precision * recall / (precision + recall) if overlap else 0.0


def crawl_and_publish(platform: str, homepage: bool = False) -> tuple[dict, dict, dict]:
    """(truth, articles by canonical URL, comments by (article URL, id)); seeded as the truth
    says, or with the homepage only."""
    with tempfile.TemporaryDirectory(prefix=f"acc-{platform}-") as tmp_name:
        tmp = Path(tmp_name)
        server, truth = start(platform, tmp)
        try:
            seeds = truth["base_url"] + "/" if homepage else ",".join(truth["seeds"].values())
            subprocess.run([sys.executable, "-m", "crawler", "crawl", "thread", "-a",
                            f"start_urls={seeds}", *FAST, "-s", f"WARC_DIR={tmp / 'warc'}"],
                           check=True, capture_output=True)
        finally:
            server.terminate()
            server.wait()
            if server.stdout:
                server.stdout.close()
        subprocess.run([sys.executable, "-m", "crawler", "publish", str(tmp / "warc"), "-o",
                        str(tmp / "ds")], check=True, capture_output=True)
        articles = {a["canonical_url"]: a for a in rows(tmp / "ds", "articles")}
        comments = {(c["article_url"], c["comment_id"]): c for c in rows(tmp / "ds", "comments")}
    return truth, articles, comments


def score(platform: str) -> dict[str, float]:
    truth, articles, comments = crawl_and_publish(platform)
    gold = {(a["url"], c["comment_id"]): c for a in truth["articles"] for c in a["comments"]}
    matched = [(gold[k], comments[k]) for k in gold.keys() & comments.keys()]
    precision = len(matched) / len(comments) if comments else float(not gold)
    recall = len(matched) / len(gold) if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    n = max(len(matched), 1)
    bodies, leaks = [], 0
    for a in truth["articles"]:
        body = (articles.get(a["url"]) or {}).get("text") or ""
        bodies.append(token_f1(body, a["body_text"]))
        lines = {ln.removeprefix("> ") for c in a["comments"] for ln in c["text"].split("\n")}
        leaks += any(len(ln) > 25 and ln not in a["body_text"] and ln in body for ln in lines)
    return {
        "articles": f"{sum(a['url'] in articles for a in truth['articles'])}/{len(truth['articles'])}",
        "comments": f"{len(matched)}/{len(gold)}",
        "precision": precision, "recall": recall, "f1": f1,
        "parent": sum(g["parent_id"] == p["parent_id"] for g, p in matched) / n,
        "author": sum(g["author"] == p["author"] for g, p in matched) / n,
        "time": sum(instant(g["published"]) == instant(p["published"]) for g, p in matched) / n,
        "depth": sum(g["depth"] == p["depth"] for g, p in matched) / n,
        "position": sum(g["position"] == p["position"] for g, p in matched) / n,
        "text": sum(g["text"] == p["text"] for g, p in matched) / n,
        "body_f1": sum(bodies) / max(len(bodies), 1),
        "title": sum((articles.get(a["url"]) or {}).get("title") == a["title"]
                     for a in truth["articles"]) / max(len(truth["articles"]), 1),
        "leak_rate": leaks / max(len(truth["articles"]), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--platform", action="append", choices=sorted(RENDERERS))
    args = ap.parse_args()
    cols = ["articles", "comments", "precision", "recall", "f1", "parent", "author", "time",
            "depth", "position", "text", "body_f1", "title", "leak_rate"]
    print("| platform | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for platform in args.platform or list(RENDERERS):
        try:
            s = score(platform)
        except (RuntimeError, subprocess.CalledProcessError, ModuleNotFoundError) as exc:
            print(f"| {platform} | failed: {type(exc).__name__}: {str(exc)[:80]} |", flush=True)
            continue
        cells = [v if isinstance(v, str) else f"{v:.3f}" for v in (s[c] for c in cols)]
        print(f"| {platform} | " + " | ".join(cells) + " |", flush=True)
    print("\nDiscovery: seeded with the homepage `/` only\n")
    print("| platform | articles found | recall | comments |")
    print("|---|---:|---:|---:|")
    for platform in args.platform or list(RENDERERS):
        try:
            truth, articles, comments = crawl_and_publish(platform, homepage=True)
        except (RuntimeError, subprocess.CalledProcessError) as exc:
            print(f"| {platform} | failed: {type(exc).__name__}: {str(exc)[:80]} |", flush=True)
            continue
        want = truth["articles"]
        found = sum(a["url"] in articles for a in want)
        gold = sum(len(a["comments"]) for a in want)
        got = sum((a["url"], c["comment_id"]) in comments for a in want for c in a["comments"])
        print(f"| {platform} | {found}/{len(want)} | {found / max(len(want), 1):.3f} | {got}/{gold} |",
              flush=True)


if __name__ == "__main__":
    main()
