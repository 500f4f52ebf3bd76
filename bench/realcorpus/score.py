# ruff: noqa: E501
"""Score the publisher's single-page path on the real-page corpus (bench/realcorpus/).

Run:  python bench/realcorpus/score.py [--corpus DIR] [--only ID ...] [--jsonl FILE]

Every response record of corpus.warc.gz goes through what `publish` runs on one page:
`extract_page(decode(capture, body, content_type), Tally())` (platform, thread parser,
trafilatura body with the thread pruned). Per page, against labels.json:

  found        our comments on the page; `>=1` counts pages with at least one
  gold         gold comments where the gold text was split per comment ("blob" pages: unknown),
               pingbacks/trackbacks ("[...] excerpt [...]", flagged in labels.json) left out
  tok recall   share of the gold comments' text tokens (metadata lines left out) that our
               comments' text holds (bags of lower-case \\w+ tokens, counted with multiplicity)
  tok prec     share of our comments' text tokens found in the page's whole gold comment text
               (metadata lines included: a parser that keeps the author in the text is not
               penalised here)
  matched      gold comments matched one-to-one to ours (token Dice >= 0.5), pages split per
               comment only: comment-level precision/recall, and author agreement on matches
               where the gold gives an author
  articles     pages that gave an article row (the others were dropped)
  F1           comment-level, from matched (P = matched / found, R = matched / gold)
  parent       matched comments whose parent is the comment matched to the gold parent (or top
               level for a top-level gold comment), on pages whose gold shows nesting
  time         matched comments whose UTC time falls on the gold time line's day (+-1 day, the
               gold has no timezone) among those we give a time; (given/with a gold date)
  text         matched comments whose text has token Dice >= 0.8 with the gold
  leak         the article text holds a gold comment line of more than 25 characters (that is
               not also in the gold article text)
  invented     comments found on negatives (gold: no comments)

The labels are Dragnet's gold text (unchecked by hand): what its annotators copied, in 2012,
from the page rendered without JavaScript. Read `tok recall`/`tok prec` as text overlap, not
comment identity. `labels: "none"` pages (extra pages with a thread but no labels) only count
in `found`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dateutil import parser as dateparser

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipelines.extraction.pages import Tally, extract_page  # noqa: E402
from pipelines.extraction.warc import Capture, decode  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus as stored  # noqa: E402  (bench/realcorpus/corpus.py)

HERE = Path(__file__).resolve().parent
TOKEN = re.compile(r"\w+")
MATCH_DICE = 0.5
TEXT_DICE = 0.8  # a matched comment's text is "right" at this token Dice or more
LEAK_CHARS = 25


def tokens(text: str | None) -> Counter[str]:
    return Counter(TOKEN.findall(unicodedata.normalize("NFKC", text or "").casefold()))


def loose(text: str | None) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "").casefold() if ch.isalnum())


def overlap(a: Counter[str], b: Counter[str]) -> int:
    return sum(min(n, b[t]) for t, n in a.items())


def dice(a: Counter[str], b: Counter[str]) -> float:
    total = sum(a.values()) + sum(b.values())
    return 2 * overlap(a, b) / total if total else 0.0


def match(gold: list[Counter[str]], ours: list[Counter[str]]) -> list[tuple[int, int]]:
    """Greedy one-to-one pairs (gold index, our index), best Dice first, Dice >= MATCH_DICE."""
    pairs = sorted(((dice(g, o), i, j) for i, g in enumerate(gold) if g for j, o in enumerate(ours) if o),
                   reverse=True)
    used_g: set[int] = set()
    used_o: set[int] = set()
    out = []
    for d, i, j in pairs:
        if d < MATCH_DICE:
            break
        if i in used_g or j in used_o:
            continue
        used_g.add(i)
        used_o.add(j)
        out.append((i, j))
    return out


def same_author(gold: str, ours: str | None) -> bool:
    g, o = loose(gold), loose(ours)
    return bool(g and o and (g == o or g in o or o in g))


def read_corpus(corpus: Path, only: set[str] | None) -> list[tuple[dict[str, Any], Capture, bytes, str | None]]:
    """Each page as publish would read its WARC record (bench/realcorpus/corpus.py builds that
    WARC for bench/real_pages.py; the development loop reads the stored pages directly)."""
    date = stored.manifest(corpus)["fetch_date"]
    out = []
    for n, (page, body) in enumerate(stored.pages(corpus, only)):
        cap = Capture("corpus.warc.gz", str(corpus / "pages" / f"{page['id']}.html.gz"), n, 1,
                      page["warc_record_id"], page["url"], date)
        out.append((page, cap, body, f"text/html; charset={page['charset']}"))
    return out


@dataclass(slots=True)
class Ours:
    """What we published of one page: its article text and comments (from extract_page, or
    from a published dataset's article row)."""

    found: bool  # an article row (or a thread page's result) came out of the page
    platform: str | None = None
    kind: str | None = None
    comments_status: str | None = None
    text: str | None = None
    comments: list[Any] = field(default_factory=list)  # .comment_id .parent_id .author .published .text


def extract_one(cap: Capture, body: bytes, ctype: str | None) -> tuple[Ours, float]:
    doc = decode(cap, body, ctype)
    t0 = time.perf_counter()
    r = extract_page(doc, Tally())
    seconds = time.perf_counter() - t0
    if r is None:
        return Ours(False), seconds
    return Ours(True, r.platform, r.kind, r.comments_status, (r.article or {}).get("text"), list(r.comments)), seconds


def score_page(page: dict[str, Any], label: dict[str, Any], ours: Ours, seconds: float = 0.0) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": page["id"], "key": page["census_key"], "platform": page["platform"],
        "comment_system": page["comment_system"], "labels": label["labels"], "split": label.get("split"),
        "seconds": round(seconds, 3), "dropped": not ours.found,
        "our_platform": ours.platform, "kind": ours.kind, "comments_status": ours.comments_status,
    }
    found = ours.comments
    row["found"] = len(found)
    if label["labels"] == "none":
        return row
    # pingbacks/trackbacks ("[...] excerpt [...]") are no comments for our parsers: left out of
    # the gold comments (their text still counts as gold text for precision)
    keep = [i for i, c in enumerate(label["comments"]) if not c.get("trackback")]
    gold = [label["comments"][i] for i in keep]
    if not page["has_comments"]:
        row["invented"] = len(found)
        return row
    per_comment = label.get("split") == "per-comment"
    row["gold"] = len(gold) if per_comment else None
    gold_tok = [tokens(c["text"]) for c in gold]
    our_tok = [tokens(c.text) for c in found]
    gold_all, our_all, full = sum(gold_tok, Counter()), sum(our_tok, Counter()), tokens(label["gold_comment_text"])
    row["gold_tokens"] = sum(gold_all.values())
    row["our_tokens"] = sum(our_all.values())
    row["covered"] = overlap(gold_all, our_all)
    row["our_in_gold"] = overlap(our_all, full)
    if per_comment:
        pairs = match(gold_tok, our_tok)
        row["matched"] = len(pairs)
        with_author = [(i, j) for i, j in pairs if gold[i].get("author")]
        row["author_checked"] = len(with_author)
        row["author_right"] = sum(same_author(gold[i]["author"], found[j].author) for i, j in with_author)
        row["text_right"] = sum(dice(gold_tok[i], our_tok[j]) >= TEXT_DICE for i, j in pairs)
        # parents, where the gold shows nesting: the gold parent (an index into the labels'
        # comment list) must be the comment we matched to it; top level must stay top level
        if any(c.get("parent") is not None for c in gold):
            ours_of = dict(pairs)
            gold_pos = {orig: k for k, orig in enumerate(keep)}
            checked = right = 0
            for i, j in pairs:
                gp = gold[i].get("parent")
                if gp is None and gold[i].get("parent_id"):
                    continue  # a reply to a post not on this page: the labels cannot index it
                if gp is None:
                    expected = None
                elif gold_pos.get(gp) in ours_of:
                    expected = found[ours_of[gold_pos[gp]]].comment_id
                else:
                    continue  # the parent itself was not matched: nothing to compare
                checked += 1
                right += found[j].parent_id == expected
            row["parent_checked"], row["parent_right"] = checked, right
        timed = [(i, j) for i, j in pairs if gold_date(gold[i].get("time_text")) is not None]
        row["time_checked"] = len(timed)
        row["time_given"] = sum(found[j].published is not None for _, j in timed)
        row["time_right"] = sum(same_day(gold_date(gold[i]["time_text"]), found[j].published) for i, j in timed)
    text = loose(ours.text)
    also = set(label.get("lines_also_in_article", []))
    probes = [ln for k, ln in enumerate(label["gold_comment_text"].split("\n")) if len(ln) > LEAK_CHARS and k not in also]
    leaks = [ln for ln in probes if text and loose(ln) in text]
    row["leak_lines"] = len(leaks)
    row["leak_probes"] = len(probes)
    if leaks:
        row["leak_examples"] = [ln[:100] for ln in leaks[:3]]
    return row


def gold_date(text: str | None) -> date | None:
    """The calendar day a gold time line names ("January 31, 2011 at 9:59 am"), if any."""
    if not text or not any(ch.isdigit() for ch in text):
        return None
    try:
        with warnings.catch_warnings():  # "tzname MST identified but not understood": the day is enough
            warnings.simplefilter("ignore")
            moment = dateparser.parse(text, fuzzy=True, default=datetime(1900, 1, 1))
            other = dateparser.parse(text, fuzzy=True, default=datetime(1900, 1, 2))
    except (ValueError, OverflowError):
        return None
    # "September 2019" names no day: nothing to compare a time with
    return moment.date() if moment.year > 1990 and moment == other else None


def same_day(gold: date | None, ours: datetime | None) -> bool:
    """Our UTC time on the gold's local day, give or take the timezone (one day)."""
    return bool(gold and ours and abs((ours.date() - gold).days) <= 1)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.3f}" if b else "-"


def table(rows: list[dict[str, Any]]) -> str:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["labels"] == "none":
            groups[f"(unlabelled) {r['key']}"].append(r)
        elif "invented" in r:
            groups["negatives"].append(r)
        else:
            groups[r["key"]].append(r)
    labelled = [r for r in rows if r["labels"] != "none" and "invented" not in r]
    order = sorted((k for k in groups if not k.startswith("(") and k != "negatives"), key=lambda k: (-len(groups[k]), k))
    lines = [
        "| platform / comment system | pages | articles | >=1 found | found / gold comments | matched: P / R / **F1** | parent | author | time (given) | text | tok recall | tok prec | leak pages (lines) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def frac(rs: list[dict[str, Any]], right: str, checked: str) -> str:
        n = sum(r.get(checked, 0) for r in rs)
        return f"{ratio(sum(r.get(right, 0) for r in rs), n)} ({n})" if n else "-"

    def line(name: str, rs: list[dict[str, Any]]) -> str:
        split = [r for r in rs if r.get("gold") is not None]
        found_split, gold_split = sum(r["found"] for r in split), sum(r["gold"] for r in split)
        matched = sum(r["matched"] for r in split)
        blobs = len(rs) - len(split)
        gold_txt = f"{sum(r['found'] for r in rs)} / {gold_split}" + (f" (+{blobs} blob)" if blobs else "")
        f1 = ratio(2 * matched, found_split + gold_split)
        time_given = sum(r.get("time_given", 0) for r in rs)
        return (f"| {name} | {len(rs)} | {sum(not r['dropped'] for r in rs)} | {sum(r['found'] > 0 for r in rs)} | {gold_txt} | "
                f"{ratio(matched, found_split)} / {ratio(matched, gold_split)} / **{f1}** | "
                f"{frac(rs, 'parent_right', 'parent_checked')} | {frac(rs, 'author_right', 'author_checked')} | "
                f"{frac(rs, 'time_right', 'time_given')} ({time_given}/{sum(r.get('time_checked', 0) for r in rs)}) | "
                f"{frac(rs, 'text_right', 'matched')} | "
                f"{ratio(sum(r['covered'] for r in rs), sum(r['gold_tokens'] for r in rs))} | "
                f"{ratio(sum(r['our_in_gold'] for r in rs), sum(r['our_tokens'] for r in rs))} | "
                f"{sum(r['leak_lines'] > 0 for r in rs)} ({sum(r['leak_lines'] for r in rs)}) |")

    for k in order:
        lines.append(line(k, groups[k]))
    if labelled:
        lines.append(line("**all with comments**", labelled))
    neg = groups.get("negatives", [])
    out = "\n".join(lines)
    if neg:
        out += (f"\n\nNegatives (gold: no comments): {len(neg)} pages, {sum(r['invented'] > 0 for r in neg)} with "
                f"comments invented ({sum(r['invented'] for r in neg)} comments), {sum(r['dropped'] for r in neg)} dropped.")
    unl = [r for k, rs in groups.items() if k.startswith("(") for r in rs]
    if unl:
        out += (f"\nUnlabelled pages with a thread: {len(unl)}, comments found on {sum(r['found'] > 0 for r in unl)} "
                f"({', '.join(str(r['id']) + ': ' + str(r['found']) for r in unl)}); {sum(r['dropped'] for r in unl)} dropped.")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=HERE)
    ap.add_argument("--only", nargs="*", help="page ids")
    ap.add_argument("--jsonl", type=Path, help="write one JSON line per page here")
    args = ap.parse_args()
    labels = json.loads((args.corpus / "labels.json").read_text())
    rows = []
    t0 = time.perf_counter()
    for page, cap, body, ctype in read_corpus(args.corpus, set(args.only) if args.only else None):
        ours, seconds = extract_one(cap, body, ctype)
        rows.append(score_page(page, labels[page["id"]], ours, seconds))
    if args.jsonl:
        with args.jsonl.open("w") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(table(rows))
    print(f"\n{len(rows)} pages in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
