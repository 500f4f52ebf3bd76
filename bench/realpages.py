# ruff: noqa: E501, RUF001  (a report: long f-string lines; typographic dashes and quotes it compares)
"""Measure the publisher's article detection and titles on real saved article pages.

Run:  python bench/realpages.py [--readability-git DIR] [--aeb-git DIR] [--fetch-time ...]
Data: bare clones of github.com/mozilla/readability and scrapinghub/article-extraction-benchmark
(`git clone --bare URL DIR`), extracted once into bench/out/realpages/ (not in the repository:
their pages are theirs). Writes bench/out/realpages.jsonl and prints the summary.
Not adbar/trafilatura's test pages nor copies of them: reserved for independent evaluation.

Sets:
  readability: mozilla/readability test/test-pages/*/source.html, expected title from
               expected-metadata.json (Readability.js's own output: it is not always the
               headline; it sometimes keeps the site suffix, so it is classed too).
  aeb:         scrapinghub/article-extraction-benchmark html/*.html.gz, url from
               ground-truth.json (which has NO headline: titles are only checked for
               site-name suffixes and against the page's single h1 / og:title).
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import html as htmlmod
import json
import re
import statistics
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from pipelines.extraction.pages import Tally, extract_page
from pipelines.extraction.warc import Capture, decode
from pipelines.platforms import Page
from pipelines.platforms.page import schema_types

ROOT = Path(__file__).resolve().parent / "out"
DATA = ROOT / "realpages"
MIRRORS = {
    "readability": ("/work/.mirror/mozilla+readability/repo", ["test/test-pages"]),
    "aeb": ("/work/.mirror/scrapinghub+article-extraction-benchmark/repo", ["html", "ground-truth.json"]),
}
# readability feature tests written by hand (Lorem ipsum, "... test" titles): not saved real pages
SYNTHETIC = frozenset("""003-metadata-preferred 004-metadata-space-separated-properties
005-unescape-html-entities base-url base-url-base-element base-url-base-element-relative
basic-tags-cleaning comment-inside-script-parsing data-url-image dev418 embedded-videos hidden-nodes
invalid-attributes js-link-replacement lazy-image-3 metadata-content-missing missing-paragraphs
normalize-spaces ol parsely-metadata remove-aria-hidden remove-extra-brs remove-extra-paragraphs
remove-script-tags reordering-paragraphs replace-brs replace-font-tags rtl-1 rtl-2 rtl-3 rtl-4
social-buttons style-tags-removal svg-parsing title-and-h1-discrepancy title-en-dash
visibility-hidden""".split())
SEPS = (" | ", " - ", " – ", " — ", " :: ", " · ", " » ", " // ", ": ")
SEP_RE = re.compile(r"\s+(?:\||-|–|—|::|·|»|//)\s+")


def prepare_data() -> None:
    for name, (gitdir, paths) in MIRRORS.items():
        dest = DATA / name
        if dest.exists():
            continue
        dest.mkdir(parents=True)
        archive = subprocess.run(["git", f"--git-dir={gitdir}", "archive", "HEAD", *paths],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)


def norm(s: str | None) -> str:
    s = htmlmod.unescape(s or "")
    s = unicodedata.normalize("NFKC", s)
    s = s.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(s.split())


def loose(s: str | None) -> str:
    return re.sub(r"[\W_]+", "", norm(s).casefold())


def signals(html: str, url: str) -> dict:
    """What the raw page shows, for the report (independent of our code, except JSON-LD)."""
    out: dict = {}
    page = Page.parse(url, html)
    if page is None:
        return {"parse_error": "no document"}
    tree = page.tree
    meta = {}
    for el in tree.iter("meta"):
        k = (el.get("property") or el.get("name") or "").strip().lower()
        if k and k not in meta and (el.get("content") or "").strip():
            meta[k] = el.get("content").strip()
    out["og_type"] = meta.get("og:type")
    out["og_title"] = meta.get("og:title")
    out["twitter_title"] = meta.get("twitter:title")
    out["og_site_name"] = meta.get("og:site_name")
    out["application_name"] = meta.get("application-name")
    titles = tree.xpath("//title")
    out["title_tag"] = norm(titles[0].text_content()) if titles else None
    h1s = [norm(h.text_content()) for h in tree.iter("h1")]
    h1s = [h for h in h1s if h]
    out["h1_count"] = len(h1s)
    out["h1"] = h1s[:3]
    out["article_count"] = sum(1 for _ in tree.iter("article"))
    out["time_count"] = sum(1 for _ in tree.iter("time"))
    out["time_datetime_count"] = len(tree.xpath("//time[@datetime]"))
    out["itemtypes"] = sorted({t for v in tree.xpath("//*[@itemscope]/@itemtype") for t in schema_types(v)})
    ld_types: list[str] = []
    headlines: list[str] = []
    if page is not None:
        for node in page.jsonld:
            ts = schema_types(node.get("@type")) - {""}
            ld_types += sorted(ts)
            if isinstance(node.get("headline"), str):
                headlines.append(norm(node["headline"]))
    out["jsonld_types"] = sorted(set(ld_types))
    out["jsonld_headlines"] = headlines[:3]
    out["article_published_meta"] = meta.get("article:published_time")
    return out


def site_names(sig: dict, url: str) -> list[str]:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    names = [sig.get("og_site_name"), sig.get("application_name")]
    return [n for n in names if n] + [host, host.split(".")[0]]


def site_suffix(title: str | None, sig: dict, url: str) -> str | None:
    """The last separated part of `title` when it names the site: og:site_name,
    application-name, the host or one of its labels (a part of 3 words at most)."""
    t = norm(title)
    if not t:
        return None
    parts = SEP_RE.split(t)
    if len(parts) < 2:
        parts = re.split(r"\s*[_\[\]]\s*", t)  # "headline _channel _site", "headline [Site]"
        parts = [x for x in parts if x]
        if len(parts) < 2:
            return None
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    labels = {loose(x) for x in host.split(".") if len(x) >= 4} | {loose(host)}
    cands = {loose(n) for n in (sig.get("og_site_name"), sig.get("application_name")) if n}
    piece = parts[-1].strip(" :")
    lp = loose(piece)
    if not lp or len(piece.split()) > 3:
        return None
    if lp in cands or lp in labels or any(lb in lp for lb in labels) or any(
            c in lp or lp in c for c in cands if len(c) >= 4):
        return piece
    return None


def classify_title(ours: str | None, expected: str | None, sig: dict, url: str) -> str:
    o, e = norm(ours), norm(expected)
    if not o:
        return "missing"
    if o == e:
        return "exact"
    if loose(o) == loose(e):
        return "exact-modulo-punct/case"
    ours_suffix = site_suffix(o, sig, url)
    exp_suffix = site_suffix(e, sig, url)
    if exp_suffix and not ours_suffix and loose(o) and loose(o) in loose(e):
        return "ours-better: expected has site suffix, ours is its headline"
    if ours_suffix and loose(e) and loose(e) in loose(o):
        return "ours has site suffix (expected contained)"
    if ours_suffix:
        return "ours has site suffix"
    if loose(e) and loose(e) in loose(o):
        return "expected contained in ours (ours longer)"
    if loose(o) and loose(o) in loose(e):
        return "ours contained in expected (ours shorter)"
    return "different"


def page_url(html: str, fallback: str) -> tuple[str, str]:
    """canonical/og:url when absolute-able and not a site root, else the fallback."""
    page = Page.parse(fallback, html)
    if page is None:
        return fallback, "fallback"
    tree = page.tree
    for how, xp in (("canonical", "//link[@rel='canonical']/@href"),
                    ("og:url", "//meta[@property='og:url']/@content")):
        for href in tree.xpath(xp):
            href = href.strip()
            if not href:
                continue
            u = urljoin(fallback, href)
            parts = urlsplit(u)
            if parts.scheme in ("http", "https") and parts.hostname and (
                    parts.path.strip("/") or parts.query):
                return u, how
    return fallback, "fallback"


def items(only: str | None):
    if only in (None, "readability"):
        base = DATA / "readability/test/test-pages"
        for d in sorted(base.iterdir()):
            raw = (d / "source.html").read_bytes()
            exp = json.loads((d / "expected-metadata.json").read_text())
            yield "readability", d.name, raw, None, exp.get("title")
    if only in (None, "aeb"):
        base = DATA / "aeb"
        truth = json.loads((base / "ground-truth.json").read_text())
        for key, gt in sorted(truth.items()):
            raw = gzip.decompress((base / "html" / f"{key}.html.gz").read_bytes())
            yield "aeb", key[:12], raw, gt["url"], None


def run_one(set_name: str, ident: str, raw: bytes, url: str | None, expected: str | None,
            fetch_time: str) -> dict:
    fake = f"https://example.com/news/2019/05/{re.sub(r'[^a-z0-9]+', '-', ident.lower()).strip('-')}"
    cap0 = Capture("x.warc.gz", "x.warc.gz", 0, 1, "<urn:uuid:1>", fake, fetch_time)
    ctype = "text/html; charset=utf-8" if set_name == "readability" else "text/html"
    text = decode(cap0, raw, ctype).html
    if url is None:
        url, url_from = page_url(text, fake)
    else:
        url_from = "ground-truth"
    cap = Capture("x.warc.gz", "x.warc.gz", 0, 1, "<urn:uuid:1>", url, fetch_time)
    doc = decode(cap, raw, ctype)
    tally = Tally()
    t0 = time.perf_counter()
    error = None
    try:
        result = extract_page(doc, tally)
    except Exception as exc:  # noqa: BLE001
        result, error = None, f"{type(exc).__name__}: {exc}"
    elapsed = time.perf_counter() - t0
    page = Page.parse(url, doc.html)
    sig = signals(doc.html, url)
    # How much text the thread pruning costs: trafilatura with our prune_xpath vs without.
    prune = None
    if page is not None:
        from pipelines import platforms
        from pipelines.extraction.pages import body_fields
        plat = platforms.detect(page)
        xp = plat.thread.thread_xpath
        if xp:
            hits = page.tree.xpath(xp)
            hitset = set(hits)
            tops = [h for h in hits if not any(a in hitset for a in h.iterancestors())]
            h1s = list(page.tree.iter("h1"))
            try:
                with_p = body_fields(doc, xp)
                without = body_fields(doc, None)
            except Exception as exc:  # noqa: BLE001
                with_p = without = {"text": f"ERR {exc}"}
            prune = {
                "platform": plat.name,
                "text_with_prune": len((with_p or {}).get("text") or "") if with_p else None,
                "text_without_prune": len((without or {}).get("text") or "") if without else None,
                "pruned_tags": [f"{h.tag}#{h.get('id') or ''}.{(h.get('class') or '')[:40]}" for h in tops[:5]],
                "pruned_body_or_html": any(h.tag in ("body", "html", "main") for h in tops),
                "pruned_contains_h1": any(any(a in hitset for a in h.iterancestors()) or h in hitset
                                          for h in h1s),
            }
    rec = {
        "set": set_name, "id": ident, "url": url, "url_from": url_from,
        "encoding": doc.encoding, "seconds": round(elapsed, 4), "error": error,
        "kept": result is not None,
        "set_aside": [r for _, r in tally.set_aside],
        "failures": [r for _, r in tally.failures],
        "page_evidence": page.article_evidence if page is not None else None,
        "page_headline": page.headline if page is not None else None,
        "synthetic": ident in SYNTHETIC, "prune": prune,
        "signals": sig, "expected_title": norm(expected) if expected else None,
    }
    if result is not None:
        art = result.article or {}
        rec.update({
            "platform": result.platform, "kind": result.kind, "evidence": result.evidence,
            "confirm": result.confirm, "comments_status": result.comments_status,
            "n_comments": len(result.comments),
            "meta_title": result.meta.title if result.meta else None,
            "title": art.get("title"),
            "title_source": "meta" if (result.meta and result.meta.title) else "trafilatura",
            "date": art.get("date"), "text_len": len(art.get("text") or ""),
        })
    title = rec.get("title")
    rec["ours_suffix"] = site_suffix(title, sig, url)
    rec["ours_is_h1_plus_part"] = bool(title) and any(
        loose(h) and loose(h) != loose(title) and SEP_RE.sub("|", norm(title)).split("|").count(norm(h)) > 0
        for h in sig.get("h1", []) + sig.get("jsonld_headlines", []))
    rec["ours_equals_title_tag"] = bool(title) and norm(title) == sig.get("title_tag")
    rec["ours_extra_part"] = bool(rec["ours_suffix"] or rec["ours_is_h1_plus_part"])
    if expected is not None:
        rec["title_class"] = classify_title(title, expected, sig, url)
        if rec["title_class"] == "different" and rec["ours_is_h1_plus_part"]:
            rec["title_class"] = "ours = an h1/ld headline + separator + extra part"
        rec["title_ratio"] = round(difflib.SequenceMatcher(None, loose(title), loose(expected)).ratio(), 3)
    else:
        # No headline truth: compare with the page's own single h1 / JSON-LD headline.
        refs = [*sig.get("jsonld_headlines", [])[:1], *sig.get("h1", [])[:3]]
        rec["proxy_refs"] = refs
        if not title:
            rec["title_class"] = "missing"
        elif rec["ours_suffix"]:
            rec["title_class"] = "ours has site suffix"
        elif rec["ours_is_h1_plus_part"]:
            rec["title_class"] = "ours = an h1/ld headline + separator + extra part"
        elif any(loose(title) == loose(r) for r in refs):
            rec["title_class"] = "matches h1/json-ld headline"
        elif refs:
            rec["title_class"] = "differs from h1/json-ld headline"
        else:
            rec["title_class"] = "no reference (no h1, no json-ld headline)"
        rec["title_ratio"] = max((difflib.SequenceMatcher(None, loose(title), loose(r)).ratio()
                                  for r in refs), default=None)
    return rec


def summarise(recs: list[dict]) -> str:
    lines: list[str] = []
    p = lines.append
    groups = {
        "readability (real saved pages)": lambda r: r["set"] == "readability" and not r.get("synthetic"),
        "readability (hand-written feature tests)": lambda r: r["set"] == "readability" and r.get("synthetic"),
        "aeb (scrapinghub article-extraction-benchmark)": lambda r: r["set"] == "aeb",
    }
    for set_name, pick in groups.items():
        rs = [r for r in recs if pick(r)]
        if not rs:
            continue
        p(f"\n===== {set_name}: {len(rs)} pages =====")
        p(f"url from: {dict(Counter(r['url_from'] for r in rs))}")
        kept = [r for r in rs if r["kept"]]
        dropped = [r for r in rs if not r["kept"]]
        p(f"kept {len(kept)}, set aside / failed {len(dropped)}")
        for r in dropped:
            s = r["signals"]
            p(f"  DROPPED {r['id']} {r['url']}\n     reason={r['set_aside'] or r['failures'] or r['error']}"
              f"\n     og:type={s.get('og_type')} ld={s.get('jsonld_types')} itemtypes={s.get('itemtypes')}"
              f" h1={s.get('h1_count')} article={s.get('article_count')} time={s.get('time_count')}"
              f" time[@datetime]={s.get('time_datetime_count')} article:published_time={s.get('article_published_meta')}"
              f"\n     <title>={s.get('title_tag')!r} h1={s.get('h1')[:1]}")
        p(f"platform: {dict(Counter(r.get('platform') for r in kept).most_common())}")
        p(f"kind: {dict(Counter(r.get('kind') for r in kept).most_common())}")
        p(f"evidence (result.evidence; None = platform hints said article, or generic+trafilatura):"
          f" {dict(Counter(str(r.get('evidence')) for r in kept).most_common())}")
        p(f"Page.article_evidence (all pages): {dict(Counter(str(r['page_evidence']) for r in rs).most_common())}")
        conf = [r for r in kept if r.get("confirm")]
        p(f"confirm=True (generic: kept only if trafilatura confirms): {len(conf)}, of which Page.article_evidence is NOT None: {sum(r['page_evidence'] is not None for r in conf)}"
          f" -> {[r['id'] for r in conf]}")
        noev = [r for r in rs if r["page_evidence"] is None]
        p(f"pages with NO machine-readable sign (Page.article_evidence None): {len(noev)};"
          f" of them dropped: {sum(not r['kept'] for r in noev)}")
        p(f"comments_status: {dict(Counter(r.get('comments_status') for r in kept).most_common())}")
        p(f"title source: {dict(Counter(r.get('title_source') for r in kept).most_common())}")
        p(f"title classes: {dict(Counter(r['title_class'] for r in kept).most_common())}")
        good_cls = {"exact", "exact-modulo-punct/case", "matches h1/json-ld headline",
                    "ours-better: expected has site suffix, ours is its headline",
                    "ours contained in expected (ours shorter)"}
        verdict = Counter(
            "headline carries site/section/author part" if r["ours_extra_part"] else
            "headline ok" if r["title_class"] in good_cls else
            "missing" if r["title_class"] == "missing" else "other headline (see list)" for r in kept)
        p(f"VERDICT (ours vs page): {dict(verdict.most_common())}")
        p(f"ours contains a site-name part: {sum(bool(r['ours_suffix']) for r in kept)};"
          f" ours == <title>: {sum(r['ours_equals_title_tag'] for r in kept)}")
        pr = [r for r in rs if r.get("prune")]
        def lost(r):
            w, wo = r["prune"]["text_with_prune"], r["prune"]["text_without_prune"]
            return bool(wo) and (not w or w < 0.5 * wo)
        hurt = [r for r in pr if lost(r)]
        p(f"thread prune_xpath: applies on {len(pr)} pages; removes >50% of trafilatura's text on {len(hurt)};"
          f" prune hits <body>/<main>: {sum(r['prune']['pruned_body_or_html'] for r in pr)};"
          f" pruned area holds an h1: {sum(r['prune']['pruned_contains_h1'] for r in pr)}")
        for r in hurt:
            q = r["prune"]
            p(f"  PRUNE-LOSS {r['id']} {q['platform']} kept={r['kept']} text {q['text_with_prune']} vs"
              f" {q['text_without_prune']} without prune; pruned: {q['pruned_tags']}")
        secs = [r["seconds"] for r in rs]
        p(f"time per page: median {statistics.median(secs)*1000:.0f} ms, p90"
          f" {sorted(secs)[int(len(secs)*0.9)]*1000:.0f} ms, max {max(secs)*1000:.0f} ms")
        bad = [r for r in kept if r["ours_extra_part"] or r["title_class"] not in good_cls]
        bad.sort(key=lambda r: (r["title_ratio"] if r["title_ratio"] is not None else -1))
        p(f"-- title cases not exact ({len(bad)}), worst first:")
        for r in bad:
            s = r["signals"]
            p(f"  [{r['title_class']}{' +EXTRA-PART' if r['ours_extra_part'] else ''}] {r['id']} ratio={r['title_ratio']} platform={r.get('platform')}"
              f" src={r.get('title_source')}\n     ours    ={r.get('title')!r}"
              f"\n     expected={r.get('expected_title') or r.get('proxy_refs')!r}"
              f"\n     <title> ={s.get('title_tag')!r}\n     og:title={s.get('og_title')!r}"
              f" ld.headline={s.get('jsonld_headlines')[:1]} h1={s.get('h1')[:2]} site={s.get('og_site_name')!r}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fetch-time", default="2024-01-01T00:00:00Z")
    ap.add_argument("--only", choices=["readability", "aeb"])
    ap.add_argument("--out", default=str(ROOT / "realpages.jsonl"))
    ap.add_argument("--readability-git", default=MIRRORS["readability"][0],
                    help="bare clone of mozilla/readability")
    ap.add_argument("--aeb-git", default=MIRRORS["aeb"][0],
                    help="bare clone of scrapinghub/article-extraction-benchmark")
    ap.add_argument("--summary-only", action="store_true", help="re-summarise --out")
    args = ap.parse_args()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    MIRRORS["readability"] = (args.readability_git, MIRRORS["readability"][1])
    MIRRORS["aeb"] = (args.aeb_git, MIRRORS["aeb"][1])
    if args.summary_only:
        recs = [json.loads(line) for line in out.read_text().splitlines()]
    else:
        prepare_data()
        import trafilatura  # noqa: F401  import cost out of the first page's time
        recs = []
        with out.open("w") as fh:
            for set_name, ident, raw, url, expected in items(args.only):
                rec = run_one(set_name, ident, raw, url, expected, args.fetch_time)
                recs.append(rec)
                fh.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
                print(f"{set_name} {ident} kept={rec['kept']} {rec.get('platform')}"
                      f" ev={rec.get('evidence')} {rec['seconds']:.2f}s", file=sys.stderr)
    text = summarise(recs)
    (out.with_suffix(".summary.txt")).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
