# ruff: noqa: E501, RUF001  (long regex and report lines; the dashes are what real pages write)
"""Build the development corpus of real saved pages with comment threads (issue 10, first step).

Run:  python bench/realcorpus/build.py [--dragnet-git DIR] [--dragnet-orig-git DIR]
                                       [--trafilatura-git DIR] [--out DIR]
Data: bare clones as the `fetch` tool (or `git clone --bare`) leaves them; their data, not
their code:
  j-szulc/html-cleaning-dataset-merged  dragnet_data/input/*.html (the HTML of Dragnet's 2012
                                        corpus) and dragnet_data/GoldStandard/*.txt (its
                                        "Corrected" gold text, byte-identical to
                                        seomoz/dragnet_data's dragnet_Corrected.tar.gz)
  seomoz/dragnet_data                   licence and README (AGPLv3 for the data), copied
                                        next to the corpus; the gold files are checked
                                        against its dragnet_Corrected.tar.gz
  adbar/trafilatura                     only to exclude its test pages: every blob ever under
                                        tests/ is hashed (raw and whitespace-free) and every
                                        URL its tests name is collected; a page matching
                                        either is never taken (reserved for independent
                                        evaluation)
  fhgr/harvest, Kinematics/NetTally     forum thread pages (see FORUM_PAGES): harvest's
                                        WEB-FORUM-52 gold posts, NetTally's saved pages
                                        (optional: --harvest-git, --nettally-git)
Writes (into --out, default bench/realcorpus/; each file beside the old one, then os.replace):
  pages/ID.html.gz each page's HTML as archived (corpus.py builds the WARC from them: a
                   `response` per page, HTTP 200)
  manifest.json    per page: id, source, path, sha1, licence, url, platform, comment system
  labels.json      per page: the gold comment text, split into comments where it could be
                   placed in the page's markup (see `split_comments`), else one blob
  LICENSES/        the licences of the sources, as their repositories give them

How the gold text becomes labels (labels: "gold-text", unchecked by hand):
  The gold comment part (after Dragnet's `!@#$%^&*()  COMMENTS` line) is kept as it is, line by
  line. Each gold line is then located in the page's text (alphanumerics only, lower case, in
  gold order), and the comment items are the repeated elements of the markup that hold those
  lines: siblings under the deepest element holding (nearly) all of them, grouped where a
  comment is a run of siblings (Blogger's dt/dd). A comment's replies are the elements of the
  same kind nested in it (its `parent`, derived from the markup). Lines that are plainly
  metadata ("X says:", "by X on <date>", a lone date, "Reply") give `author` / `time_text`
  and are left out of `text` (kept in `raw`). Where the lines cannot be placed (too few found,
  no repeated structure), the page keeps one blob entry with `split: "blob"`.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import unicodedata
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree
from w3lib.encoding import html_body_declared_encoding, html_to_unicode
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = Path(__file__).resolve().parent
MIRROR = Path("/work/.mirror")
DEFAULTS = {
    "dragnet_git": MIRROR / "j-szulc+html-cleaning-dataset-merged/repo",
    "dragnet_orig_git": MIRROR / "seomoz+dragnet_data/repo",
    "trafilatura_git": MIRROR / "adbar+trafilatura/repo",
}
DRAGNET_DIR = "dragnet_data"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_page  # noqa: E402

FETCH_DATE = "2013-01-01T00:00:00Z"  # the corpus was saved in 2012; one fixed date for all
DRAGNET_LICENCE = "AGPL-3.0 (seomoz/dragnet_data: data licensed under the AGPLv3; pages (c) their sites)"
# Dragnet's separator line, with the variants the annotators typed
SEPARATOR = re.compile(r"^[ \t!@#]*\$%\^&\*+\(\)[ \t]*COMMENTS[ \t]*$", re.M)

# selection
MAX_HTML_BYTES = 400_000
PER_KEY_CAP = {"wordpress": 24, "blogger": 16, "typepad": 12, "movabletype": 10, "custom": 20}
DEFAULT_CAP = 10
NEGATIVES = 30
# pages looked at and left out, with why
EXCLUDE = {
    "dragnet-R45": "newsvine: the gold text repeats quoted lines and the votes; its split is unreliable",
}


# ----------------------------------------------------------------------------- text

_MOJI = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]{1,3}")


def fix_mojibake(s: str) -> str:
    """UTF-8 read as cp1252 ("â€™" for "'"), repaired run by run where it decodes."""
    def one(m: re.Match[str]) -> str:
        try:
            return m.group(0).encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return m.group(0)
    return _MOJI.sub(one, s)


def decode_gold(b: bytes) -> str:
    try:
        s = b.decode("utf-8")
    except UnicodeDecodeError:
        s = b.decode("cp1252", errors="replace")
    s = s.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return fix_mojibake(s)


def loose(s: str) -> str:
    """Letters and digits only, case-folded: how gold lines are found in the page's text."""
    s = unicodedata.normalize("NFKC", s).casefold()
    return "".join(ch for ch in s if ch.isalnum())


def split_gold(text: str) -> tuple[str, str | None]:
    """(article part, comment part or None)."""
    m = SEPARATOR.search(text)
    if not m:
        return text, None
    return text[:m.start()], text[m.end():]


def gold_lines(part: str) -> list[str]:
    out = []
    for line in part.split("\n"):
        line = " ".join(line.split())
        if line and loose(line):
            out.append(line)
    return out


# ----------------------------------------------------------------------------- metadata lines

_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?,?\s+)?"
_DATE = re.compile(
    rf"\b{_WEEKDAY}{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\b{_WEEKDAY}\d{{1,2}}(?:st|nd|rd|th|\.)?\s+(?:of\s+)?{_MONTHS},?\s+\d{{4}}"
    rf"|\b{_WEEKDAY}{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:@\s*)?\d{{1,2}}:\d{{2}}"
    rf"|\b{_WEEKDAY}\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}\b"
    r"|\b\d{4}-\d{2}-\d{2}|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?"
    r"|\b\d+\s+(?:second|minute|hour|day|week|month|year)s?\s+ago\b", re.I)
_AUTHOR_SAYS = re.compile(r"^(?P<a>.{1,60}?)\s*(?:says|said|wrote|writes|schreibt|a dit|dice)\s*(?:[:.,…]+)?\s*(?P<rest>.*)$", re.I)
_BY_ON = re.compile(r"^(?:posted\s+)?by:?\s+(?P<a>.{1,60}?)\s+(?:on|at|\||@)\s+(?P<t>.*\d.*)$", re.I)
_PIPE = re.compile(r"^(?:posted by:?\s*)?(?P<a>[^|]{1,60}?)\s*\|\s*(?P<t>[^|]*\d[^|]*)\s*\|?\s*$", re.I)
_NAME_ON = re.compile(r"^(?P<a>[^\d]{1,50}?)\s+(?:on|at|-|–|—)\s+(?P<t>.*\d.*)$", re.I)
_POSTED_AT = re.compile(r"^(?:posted|written)\s+by\s+(?P<a>.{1,60}?)\s+(?:at|on)\s+(?P<t>.*\d.*)$", re.I)
UI_LINES = frozenset(loose(x) for x in """reply|report|report abuse|quote|like|unlike|permalink|link|edit|flag|
delete|reply to this comment|reply to this|reply ↓|respond|share|0 likes|like this|share this|
reply with quote|report comment|recommend|log in to reply|login to reply|top""".replace("\n", "").split("|"))


def date_like(line: str) -> bool:
    """A short line that is mostly a date or time."""
    if len(line) > 70:
        return False
    spans = sum(len(m.group(0)) for m in _DATE.finditer(line))
    if not spans:
        return False
    rest = _DATE.sub(" ", line)
    rest_words = [w for w in re.findall(r"[^\W\d_]+", rest) if w.lower() not in {
        "at", "on", "am", "pm", "posted", "um", "le", "ago", "edt", "est", "pst", "pdt", "gmt", "utc",
        "cst", "cdt", "mst", "mdt", "bst", "cet", "cest", "and", "by", "reply", "permalink", "link", "report"}
        and not re.fullmatch(_MONTHS, w, re.I)
        and w.lower() not in {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                              "mon", "tue", "wed", "thu", "fri", "sat", "sun"}]
    return len(rest_words) <= 1


_FILLER = re.compile(r"^(?:posted|written|comment|commented|reply|replied|added|writes|by|on|at|says|said|wrote|\||/|-|–|—|@|,|:|\.|·|•)+$", re.I)
_SLASH_BY = re.compile(r"^by\s+(?P<a>.{1,40}?)\s+\(\d+\)|^by\s+(?P<b>Anonymous Coward)$", re.I)


def split_name_date(line: str) -> tuple[str, str] | None:
    """("name", "date text") for a short header line made of a name and a date in either
    order ("Alison October 28, 2012 at 8:03 pm", "11. Jul, 2012 / Rishil says:",
    "by james on January 31, 2011 at 9:59 am."), else None."""
    if len(line) > 100 or not date_like_part(line):
        return None
    spans = [m.span() for m in _DATE.finditer(line)]
    a, b = spans[0][0], spans[-1][1]
    head, tail, when = line[:a], line[b:], line[a:b]
    words = []
    for part in (head, tail):
        kept = [w for w in re.split(r"\s+", part.strip()) if w and not _FILLER.match(w)
                and not re.fullmatch(r"[#+]?\d+(?:\.\d+)*[.:]?", w)
                and w.lower() not in {"am", "pm", "a.m.", "p.m.", "edt", "est", "pst", "pdt", "gmt", "utc"}]
        words.append(kept)
    name_words = words[0] if len(words[0]) >= len(words[1]) else words[1]
    other = words[1] if name_words is words[0] else words[0]
    if not name_words or len(name_words) > 6 or len(other) > 1:
        return None
    name = " ".join(name_words).strip(" :|-/,")
    name = re.sub(r"\s+(?:says|said|wrote)\s*:?$", "", name, flags=re.I)
    if not name or not re.search(r"\w", name):
        return None
    return name, when.strip()


def date_like_part(line: str) -> bool:
    return bool(_DATE.search(line)) and bool(re.search(r"\d", line))


def classify_line(line: str, edge: bool) -> dict[str, str] | None:
    """What a metadata line says ({"author": .., "time_text": ..}; {} for UI words), or None
    for a line of the comment's text. Only plain, unambiguous shapes; a name beside a date only
    on the comment's first or last lines (`edge`)."""
    lo = loose(line)
    if lo in UI_LINES or re.fullmatch(r"(?:reply|like|likes|votes?|points?|\d{1,4})", lo or "x"):
        return {}
    if len(line) <= 120:
        m = _AUTHOR_SAYS.match(line)
        if m and len(m.group("a").split()) <= 6 and (not m.group("rest") or date_like(m.group("rest"))):
            name = m.group("a").strip(" :|-")
            out = {}
            if m.group("rest"):
                out["time_text"] = m.group("rest").strip()
            if (nd := split_name_date(name)) is not None:  # "11. Jul, 2012 / Rishil says:"
                name, out["time_text"] = nd
            out["author"] = name
            return out
        if edge:
            m = _SLASH_BY.match(line)
            if m:
                return {"author": (m.group("a") or m.group("b")).strip()}
            for rx in (_POSTED_AT, _BY_ON, _PIPE):
                m = rx.match(line)
                if m and date_like(m.group("t")):
                    return {"author": m.group("a").strip(" :|-"), "time_text": m.group("t").strip(" |")}
            if (nd := split_name_date(line)) is not None:
                return {"author": nd[0], "time_text": nd[1]}
    if date_like(line):
        return {"time_text": line}
    return None


# ----------------------------------------------------------------------------- the page

def parse_html(text: str) -> etree._Element | None:
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, huge_tree=True)
    try:
        root = etree.fromstring(text.encode("utf-8", "surrogatepass"), parser)
    except (etree.ParserError, ValueError):
        return None
    return root


def decode_html(body: bytes) -> tuple[str, str, str]:
    """(text, charset for the Content-Type header, where it came from)."""
    declared = html_body_declared_encoding(body)
    if declared:
        enc, text = html_to_unicode(f"text/html; charset={declared}", body)
        return text, declared.lower(), "declared"
    try:
        return body.decode("utf-8"), "utf-8", "utf-8 (undeclared, valid)"
    except UnicodeDecodeError:
        enc, text = html_to_unicode(None, body)
        return text, enc, "detected (undeclared, not utf-8)"


def page_url(root: etree._Element, fallback: str) -> tuple[str, str]:
    for how, xp in (("canonical", "//link[@rel='canonical']/@href"),
                    ("og:url", "//meta[@property='og:url']/@content")):
        for href in root.xpath(xp):
            u = urljoin(fallback, href.strip())
            parts = urlsplit(u)
            if parts.scheme in ("http", "https") and parts.hostname and not parts.hostname.endswith(
                    ".invalid") and (parts.path.strip("/") or parts.query):
                return u, how
    return fallback, "invented"


# hosts of services a page links to, not the site itself: a label of the host equals one of these
_NOT_SITES = re.compile(r"(?:^|\.)(?:typekey|google|googleapis|googleusercontent|gstatic|facebook|fbcdn|twitter|twimg|"
                        r"feedburner|gravatar|wp|addthis|sharethis|disqus|disquscdn|blogblog|doubleclick|digg|"
                        r"stumbleupon|reddit|linkedin|youtube|flickr|w3|gmpg|creativecommons|amazon|amazonaws|"
                        r"statcounter|quantserve|scorecardresearch|feedblitz|technorati|delicious|pinterest|apple|"
                        r"adobe|macromedia|yahoo|bit|livefyre|intensedebate|cloudfront|akamaihd|tinyurl|"
                        r"networkedblogs|bloglovin|paypal|pheedo|sitemeter)\.", re.I)
_SERVICE_HOSTS = {"typepad.com", "static.typepad.com", "tumblr.com", "squarespace.com", "blogger.com",
                  "draft.blogger.com", "wordpress.org", "wordpress.com", "en.wordpress.com", "livejournal.com",
                  "posterous.com", "movabletype.org", "movabletype.com", "sixapart.com", "hubspot.com"}


def not_site(host: str) -> bool:
    return host in _SERVICE_HOSTS or bool(_NOT_SITES.search(host))


def reg_domain(host: str) -> str:
    """example.co.uk, example.com: the site a host belongs to (subdomains together)."""
    labels = host.lower().removeprefix("www.").split(".")
    if ".".join(labels[-2:]) in ("blogspot.com", "typepad.com", "wordpress.com", "tumblr.com", "livejournal.com",
                                 "squarespace.com", "posterous.com", "blogs.com"):
        return ".".join(labels[-3:])
    n = 3 if len(labels) >= 3 and labels[-2] in ("co", "com", "org", "net", "ac", "gov", "edu") and len(labels[-1]) == 2 else 2
    return ".".join(labels[-n:])


def site_guess(root: etree._Element, url: str, url_source: str) -> str:
    """The site a page comes from, for variety in the selection: its URL's host when known,
    else the host of its shortlink / feeds / bookmark links, else the host most of its
    absolute links go to (social, CDN and comment-service hosts left out)."""
    if url_source != "invented":
        return (urlsplit(url).hostname or "").removeprefix("www.")
    for xp in ("//link[@rel='shortlink']/@href", "//link[@rel='alternate']/@href", "//a[@rel='bookmark']/@href"):
        for href in root.xpath(xp):
            host = (urlsplit(href.strip()).hostname or "").removeprefix("www.")
            if host and not not_site(host):
                return host
    hosts = Counter()
    for href in root.xpath("//a/@href"):
        host = (urlsplit(href.strip()).hostname or "").removeprefix("www.")
        if host and not not_site(host):
            hosts[host] += 1
    return hosts.most_common(1)[0][0] if hosts else ""


def attrs_text(el: etree._Element) -> str:
    return f"{el.get('id') or ''} {el.get('class') or ''}".lower()


_SKIP = {"script", "style", "head", "title", "template", "iframe", "select", "option"}


class DocText:
    """The page's text as one `loose` string, each character traced to the element whose
    text (or tail) it came from."""

    def __init__(self, root: etree._Element) -> None:
        chars: list[str] = []
        self.starts: list[int] = []
        self.owners: list[etree._Element] = []
        pos = 0

        def add(s: str | None, owner: etree._Element) -> None:
            nonlocal pos
            if not s:
                return
            lo = loose(s)
            if lo:
                self.starts.append(pos)
                self.owners.append(owner)
                chars.append(lo)
                pos += len(lo)

        def walk(el: etree._Element) -> None:
            if not isinstance(el.tag, str) or el.tag in _SKIP:
                return
            add(el.text, el)
            for child in el:
                walk(child)
                add(child.tail, el)

        body = root.find("body")
        walk(body if body is not None else root)
        self.text = "".join(chars)

    def owners_of(self, a: int, b: int) -> list[etree._Element]:
        import bisect
        i = max(bisect.bisect_right(self.starts, a) - 1, 0)
        out = []
        while i < len(self.starts) and self.starts[i] < b:
            out.append(self.owners[i])
            i += 1
        return out


def ancestors(el: etree._Element) -> list[etree._Element]:
    out = []
    while el is not None:
        out.append(el)
        el = el.getparent()
    return out


def lca(els: list[etree._Element]) -> etree._Element | None:
    if not els:
        return None
    common = ancestors(els[0])
    for el in els[1:]:
        anc = set(map(id, ancestors(el)))
        common = [a for a in common if id(a) in anc]
    return common[0] if common else None


@dataclass
class Placed:
    idx: int
    line: str
    el: etree._Element | None = None
    pos: int = -1


def place_lines(doc: DocText, lines: list[str]) -> list[Placed]:
    """Each gold line's element in the page: long lines first (in order, then anywhere), short
    ones between their placed neighbours."""
    placed = [Placed(i, line) for i, line in enumerate(lines)]
    text = doc.text
    cursor = 0

    def find(lo: str, start: int, end: int | None = None) -> int:
        j = text.find(lo, start, end if end is not None else len(text))
        if j < 0 and len(lo) > 80:  # a long line the annotator joined or cut: its two ends
            head = text.find(lo[:40], start, end if end is not None else len(text))
            if head >= 0 and text.find(lo[-40:], head, head + len(lo) + 400) >= 0:
                return head
        return j

    for p in placed:
        lo = loose(p.line)
        if len(lo) < 25:
            continue
        j = find(lo, cursor)
        if j < 0:
            j = find(lo, 0)
        if j >= 0:
            p.pos = j
            cursor = j + len(lo)
    for k, p in enumerate(placed):
        lo = loose(p.line)
        if p.pos >= 0 or not lo:
            continue
        before = max((q.pos + len(loose(q.line)) for q in placed[:k] if q.pos >= 0), default=0)
        after = min((q.pos for q in placed[k + 1:] if q.pos >= 0 and q.pos >= before), default=None)
        j = find(lo, before, after if after is not None else min(len(text), before + 3000))
        if j >= 0:
            p.pos = j
    for p in placed:
        if p.pos >= 0:
            owners = doc.owners_of(p.pos, p.pos + len(loose(p.line)))
            p.el = lca(owners)
    return placed


def signature(el: etree._Element) -> tuple[str, frozenset[str]]:
    cls = {c for c in (el.get("class") or "").lower().split()
           if not re.search(r"\d|^(?:even|odd|alt|thread-|depth-|byuser|bypostauthor|comment-author-|first|last|parent|highlighted|new|unread)", c)}
    return el.tag, frozenset(cls)


def child_towards(container: etree._Element, el: etree._Element) -> etree._Element | None:
    """The child of `container` that holds `el` (None when `el` is the container)."""
    prev = None
    while el is not None and el is not container:
        prev, el = el, el.getparent()
    return prev if el is container else None


@dataclass
class Item:
    els: list[etree._Element]
    lines: list[Placed]
    replies: list[Item] = field(default_factory=list)


_ITEM = re.compile(r"(?:^|\s)(?:(?:li-)?comment|dsq-comment|c|comment_|reply)[-_]?\d{2,}(?:\s|$)"
                   r"|(?:^|\s)(?:comment|dsq-comment|fyre-comment-wrapper|idc-c|comment-item|commentitem|single-comment)(?:\s|$)")


def group_items(container: etree._Element, lines: list[Placed], depth: int = 0,
                item_sig: tuple[str, frozenset[str]] | None = None) -> list[Item] | None:
    """The comment items under `container`: the children holding gold lines, one per item, or
    runs of children opened (dt dd dd) or closed (p p p.posted) by a repeated kind."""
    groups: list[tuple[etree._Element | None, list[Placed]]] = []
    for p in lines:
        child = child_towards(container, p.el)
        if groups and groups[-1][0] is child:
            groups[-1][1].append(p)
        else:
            groups.append((child, [p]))
    kids = [g for g in groups if g[0] is not None]
    if len(kids) == 1 and len(groups) == 1 and depth < 60:
        kid = kids[0][0]
        if depth > 0 and (signature(kid) == item_sig or _ITEM.search(attrs_text(kid))):
            return [Item([kid], lines)]  # one comment (a reply list with one reply)
        return group_items(kid, lines, depth + 1, item_sig)
    if len(kids) < 2:
        return None
    sigs = [signature(g[0]) for g in kids]
    tags = [sg[0] for sg in sigs]
    if len(set(sigs)) == 1 or (len(set(tags)) == 1 and tags[0] in ("li", "article", "dl", "table", "blockquote")):
        return _attach_loose(groups, [Item([g[0]], g[1]) for g in kids])
    # comment items with their reply lists beside them (li ul.children li li; Drupal's
    # div.comment div.indented): a run from each item to the next
    first = kids[0][0]
    if first.tag == "li" or _ITEM.search(attrs_text(first)):
        starts = [sg[0] == first.tag and (same_kind(sg[1], sigs[0][1]) or bool(_ITEM.search(attrs_text(el))))
                  for (el, _), sg in zip(kids, sigs, strict=True)]
        if sum(starts) < len(starts):
            return _attach_loose(groups, _runs(kids, starts))
    if len(set(tags)) == 1 and _commentish_share(kids) >= 0.6:
        return _attach_loose(groups, [Item([g[0]], g[1]) for g in kids])
    # runs: by tag where the tags differ (dt dd), else by class; the kind that splits must be
    # at most every other child (a paragraph of many is no comment's edge)
    keys: list[Any] = tags if len(set(tags)) > 1 else sigs
    counts = Counter(keys)
    splitters = [k for k, n in counts.items() if 2 <= n <= len(keys) / 2]
    if splitters:
        # the most frequent such kind (a comment's header or footer); opening the runs when the
        # list starts with it, else closing them
        best = max(splitters, key=lambda k: (counts[k], k == keys[0]))
        if keys[0] == best:
            return _attach_loose(groups, _runs(kids, [k == best for k in keys]))
        return _attach_loose(groups, _runs(kids, [False, *[k == best for k in keys[:-1]]]))
    if Counter(sigs).most_common(1)[0][1] >= 0.8 * len(sigs):
        return _attach_loose(groups, [Item([g[0]], g[1]) for g in kids])
    return None


def _runs(kids: list[tuple[etree._Element, list[Placed]]], starts: list[bool]) -> list[Item]:
    items: list[Item] = []
    for (el, ps), start in zip(kids, starts, strict=True):
        if start or not items:
            items.append(Item([el], list(ps)))
        else:
            items[-1].els.append(el)
            items[-1].lines += ps
    return items


def _commentish_share(kids: list[tuple[etree._Element | None, list[Placed]]]) -> float:
    n = sum(1 for el, _ in kids if re.search(r"comment|reply|post|message|entry|response|dsq|fyre|idc-", attrs_text(el)))
    return n / len(kids)


def _attach_loose(groups: list[tuple[etree._Element | None, list[Placed]]], items: list[Item]) -> list[Item] | None:
    loose_lines = [p for child, ps in groups if child is None for p in ps]
    if len(loose_lines) > max(2, len(items) // 2):  # text outside the items: not a list of comments
        return None
    return items


def same_kind(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two elements of one tag are the same kind of item: the same classes, or a shared class
    that names a comment (not `clearfix`)."""
    return (bool(a) and a == b) or any(re.search(r"comment|reply|post|message|respon|dsq|fyre|idc|entry", t) for t in a & b)


def nest(item: Item) -> None:
    """Replies: elements of the item's kind nested in it that hold gold lines."""
    if len(item.lines) < 2:
        return
    if len(item.els) > 1:
        _nest_runs(item)
        return
    top = item.els[0]
    tag, cls = signature(top)
    inner = [el for el in top.iterdescendants(tag) if same_kind(signature(el)[1], cls)]
    if not inner:
        return
    inner_ids = {id(el) for el in inner}
    outer = [el for el in inner if not any(id(a) in inner_ids for a in ancestors(el.getparent()) if a is not top
                                               and top in ancestors(a))]
    own: list[Placed] = []
    by_reply: dict[int, Item] = {}
    for p in item.lines:
        anc = ancestors(p.el)
        host = next((o for o in outer if o in anc), None)
        if host is None:
            own.append(p)
        else:
            by_reply.setdefault(id(host), Item([host], [])).lines.append(p)
    if not by_reply:
        return
    item.lines = own
    item.replies = sorted(by_reply.values(), key=lambda it: it.lines[0].idx)
    for r in item.replies:
        nest(r)


def _nest_runs(item: Item) -> None:
    """An item that is a run of siblings (Drupal 6: the comment, then `div.indented` with its
    replies): the comments inside the later siblings are its replies."""
    own: list[Placed] = []
    replies: list[Item] = []
    first = item.els[0]
    lead = signature(first)
    for el in item.els:
        inside = [p for p in item.lines if el in ancestors(p.el)]
        if el is first:  # the comment itself, which may hold its replies too
            head = Item([el], inside)
            nest(head)
            own += head.lines
            replies += head.replies
            continue
        if not inside or not any(signature(d) == lead for d in el.iterdescendants(first.tag)):
            own += inside
            continue
        sub = group_items(el, inside, 1, lead)
        if not sub:
            own += inside
            continue
        for it in sub:
            nest(it)
        replies += sub
    item.lines = sorted(own, key=lambda p: p.idx)
    item.replies = replies


def flatten(items: list[Item], parent: int | None, out: list[dict[str, Any]]) -> None:
    for it in items:
        if not it.lines:  # an item whose own text the annotator left out: its replies still count
            flatten(it.replies, parent, out)
            continue
        entry = {"lines": it.lines, "parent": parent, "top": it.els[0] if len(it.els) == 1 else None}
        out.append(entry)
        flatten(it.replies, len(out) - 1, out)


_AUTHOR_EL = re.compile(r"author|\bname\b|username|user-name|\bfn\b|\bnick|commenter|poster|\buser\b|\bby\b|\bcite\b")
_TIME_EL = re.compile(r"date|time|posted|\bmeta\b|stamp|published|\bwhen\b")


def markup_role(p: Placed, item_top: etree._Element | None) -> str | None:
    """"author" / "time" when the line's own element (or an ancestor inside the comment item)
    is marked as one: <cite>, <time>, class/id naming an author or a date."""
    el = p.el
    for _ in range(4):
        if el is None or el is item_top:
            break
        tag = el.tag if isinstance(el.tag, str) else ""
        attrs = attrs_text(el) + " " + (el.get("itemprop") or "").lower()
        if tag == "time" or (tag == "abbr" and el.get("title")) or (_TIME_EL.search(attrs) and not _AUTHOR_EL.search(attrs)):
            return "time"
        if tag == "cite" or (_AUTHOR_EL.search(attrs) and not re.search(r"body|text|content", attrs)):
            return "author"
        el = el.getparent()
    return None


def clean_author(name: str) -> str | None:
    name = re.sub(r"https?://\S+", " ", name)
    name = re.sub(r"^(?:posted\s+)?by:?\s+|^[#+]?\d+(?:\.\d+)*[.:]?\s+", "", name.strip(), flags=re.I)
    name = re.sub(r"\s+(?:says|said|wrote|writes|added|commented)\s*[:.,…]*$", "", name, flags=re.I)
    name = " ".join(name.split()).strip(" :|-,")
    return name or None


def to_comment(lines: list[Placed] | list[str], parent: int | None, item_top: etree._Element | None = None) -> dict[str, Any]:
    placed = [p if isinstance(p, Placed) else Placed(-1, p) for p in lines]
    text, author, time_text = [], None, None
    n = len(placed)
    for k, p in enumerate(placed):
        line = p.line
        edge = k < 2 or k >= n - 2
        meta = classify_line(line, edge)
        if meta is None and edge and p.el is not None and len(line) <= 60 and len(line.split()) <= 6:
            role = markup_role(p, item_top)
            if role == "author" and not author:
                meta = {"author": line.strip(" :|-")}
            elif role == "time" and date_like_part(line):
                meta = {"time_text": line}
        if meta is None:
            text.append(line)
            continue
        author = author or meta.get("author")
        time_text = time_text or meta.get("time_text")
    c: dict[str, Any] = {"text": "\n".join(text)}
    if not text:  # every line it has is metadata (its text was not found in the page)
        c["text_missing"] = True
    if author and (author := clean_author(author)):
        c["author"] = author
    if time_text:
        c["time_text"] = time_text
    if parent is not None:
        c["parent"] = parent
    if re.match(r"^\[(?:\.\.\.|…)\]", c["text"]) or c["text"].rstrip().endswith(("[...]", "[…]")):
        c["trackback"] = True  # a pingback/trackback excerpt ("[...] text [...]"), not a comment
    meta_lines = [p.line for p in placed if p.line not in text]
    if meta_lines:
        c["meta_lines"] = meta_lines
    return c


_ONE_COMMENT = re.compile(r"(?:^|[\s_-])(?:comment|dsq-comment|lf_comment|idc-c|post|reply)(?:[-_]\d+|[-_](?:body|content|text|entry))?(?:$|\s)")


def split_comments(root: etree._Element, doc: DocText, lines: list[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(comments, how): one entry per comment where the gold lines fall into repeated items of
    the markup, else one blob."""
    placed = place_lines(doc, lines)
    found = [p for p in placed if p.el is not None]
    info: dict[str, Any] = {"lines": len(lines), "placed": len(found)}
    blob = [to_comment(lines, None) | {"blob": True}]
    weight = sum(len(loose(p.line)) for p in placed)
    weight_found = sum(len(loose(p.line)) for p in found)
    info["placed_share"] = round(weight_found / weight, 3) if weight else 0
    if not found or weight_found < 0.8 * weight:
        info["split"] = "blob"
        info["why"] = "gold lines not found in the page"
        return blob, info
    # the thread: the deepest element holding >= 90% of the placed text
    counts: Counter[int] = Counter()
    nodes: dict[int, etree._Element] = {}
    for p in found:
        for a in ancestors(p.el):
            counts[id(a)] += len(loose(p.line))
            nodes[id(a)] = a
    need = 0.9 * weight_found
    container = max((nodes[k] for k, v in counts.items() if v >= need), key=lambda e: len(ancestors(e)))
    info["_container"] = container
    inside = [p for p in found if container in ancestors(p.el)]
    outside = [p for p in found if p not in inside]
    info["container"] = f"{container.tag}#{container.get('id') or ''}.{(container.get('class') or '').strip()}"[:120]
    items = group_items(container, inside)
    if not items and any(_ONE_COMMENT.search(attrs_text(a)) for a in ancestors(container)[:4]):
        items = [Item([container], inside)]  # the thread has one comment
        info["single"] = True
    if not items:
        info["split"] = "blob"
        info["why"] = "no repeated comment items around the gold lines"
        return blob, info
    for it in items:
        nest(it)
    flat: list[dict[str, Any]] = []
    flatten(items, None, flat)
    comments = [to_comment(e["lines"], e["parent"], e["top"]) for e in flat]
    unplaced = [p.line for p in placed if p.el is None] + [p.line for p in outside]
    info["split"] = "per-comment"
    info["unplaced_lines"] = len(unplaced)
    info["nested"] = any("parent" in c for c in comments)
    if unplaced:
        info["unplaced"] = unplaced[:50]
    return comments, info


# ----------------------------------------------------------------------------- platforms

GEN_RULES = [
    ("wordpress", r"wordpress"), ("blogger", r"blogger"), ("typepad", r"typepad"),
    ("movabletype", r"movable ?type"), ("joomla", r"joomla"), ("drupal", r"drupal"),
    ("vbulletin", r"vbulletin"), ("phpbb", r"phpbb"), ("xenforo", r"xenforo"),
    ("expressionengine", r"expressionengine"), ("squarespace", r"squarespace"), ("tumblr", r"tumblr"),
    ("hubspot", r"hubspot"), ("lotus-domino", r"domino"), ("typo3", r"typo3"), ("ghost", r"ghost"),
    ("posterous", r"posterous"), ("livejournal", r"livejournal"), ("textpattern", r"textpattern"),
    ("dotclear", r"dotclear"), ("serendipity", r"serendipity"), ("b2evolution", r"b2evolution"),
]
ASSET_RULES = [
    ("wordpress", r"/wp-content/|/wp-includes/|\bwp\.com/|wordpress\.com"),
    ("blogger", r"blogger\.com/|blogspot\.com|\bbp\.blogspot"),
    ("typepad", r"typepad\.com"),
    ("movabletype", r"mt-static|/mt\.js|mt-comments\.cgi|mt-cp\.cgi|movabletype"),
    ("joomla", r"/components/com_|/media/system/js/|joomla"),
    ("drupal", r"/sites/all/|/sites/default/files|/misc/drupal\.js|/core/misc/drupal"),
    ("squarespace", r"squarespace"), ("tumblr", r"tumblr\.com"), ("posterous", r"posterous"),
    ("livejournal", r"livejournal"), ("expressionengine", r"expressionengine|/themes/site_themes/"),
    ("vbulletin", r"vbulletin|clientscript/vbulletin"), ("phpbb", r"phpbb|viewtopic\.php"),
    ("xenforo", r"xenforo"), ("hubspot", r"hubspot"),
]
SYSTEM_RULES = [  # (system, pattern on id/class of the thread and its ancestors, or on assets)
    ("disqus", r"disqus|\bdsq-"), ("livefyre", r"livefyre|\bfyre"), ("intensedebate", r"\bidc-|intensedebate"),
    ("echo", r"js-kit|\bjs-comment|echo-stream|echoenabled"), ("facebook", r"fb_comments|fb-comments|fb:comments"),
    ("pluck", r"pluck"), ("gigya", r"gig-comments|gigya"), ("viafoura", r"viafoura"),
]


@dataclass
class Census:
    platform: str
    evidence: list[str]
    embeds: list[str]
    schema_comments: bool
    forum: bool


def detect_platform(root: etree._Element, url: str) -> Census:
    gens = " ".join(root.xpath("//meta[translate(@name,'GENRATO','genrato')='generator']/@content")).lower()
    assets = " ".join(root.xpath("//link/@href|//script/@src|//img/@src|//form/@action|//iframe/@src")).lower()
    scripts = " ".join(s.text or "" for s in root.iter("script"))[:500_000].lower()
    evidence: list[str] = []
    platform = None
    for name, rx in GEN_RULES:
        if re.search(rx, gens):
            platform = name
            evidence.append(f"generator={gens[:60]}")
            break
    if platform is None:
        hits = Counter()
        for name, rx in ASSET_RULES:
            n = len(re.findall(rx, assets))
            if n:
                hits[name] = n
        if "drupal" not in hits and re.search(r"drupal\.settings|drupal-settings-json", scripts):
            hits["drupal"] = 3
        if "blogger" not in hits and root.xpath("//*[@id='comments-block' or contains(@class,'comment-thread') or contains(@class,'blog-posts')]"):
            hits["blogger"] = 2
        if hits:
            platform, n = hits.most_common(1)[0]
            evidence.append(f"assets:{platform}x{n}")
    platform = platform or "custom"
    if platform == "drupal":
        m = re.search(r"drupal (\d+)", gens)
        if m:
            platform = f"drupal{m.group(1)}"
        elif "drupal-settings-json" in scripts or root.xpath("//script[@data-drupal-selector]"):
            platform = "drupal8"
        elif "drupal.settings" in scripts:
            platform = "drupal6/7"
    if platform == "wordpress" and (urlsplit(url).hostname or "").endswith(".wordpress.com"):
        evidence.append("wordpress.com hosted")
    embeds = []
    for name, rx in SYSTEM_RULES:
        if re.search(rx, assets) or re.search(rx, scripts[:200_000]) or root.xpath(
                f"//*[re:test(concat(@id,' ',@class), '{rx}', 'i')]", namespaces={"re": "http://exslt.org/regular-expressions"}):
            embeds.append(name)
    itemtypes = " ".join(root.xpath("//*[@itemscope]/@itemtype")).lower()
    schema_comments = bool(re.search(r"schema\.org/(?:usercomments|comment)\b", itemtypes))
    forum = platform in ("vbulletin", "phpbb", "xenforo")
    return Census(platform, evidence, embeds, schema_comments, forum)


def comment_system(census: Census, thread_attrs: str) -> tuple[str, str]:
    """(system, evidence): the embed whose markup holds the gold comments, else the platform's
    own comments (native:<platform>), schema.org microdata, or custom."""
    for name, rx in SYSTEM_RULES:
        if re.search(rx, thread_attrs):
            return name, f"thread markup matches {name}"
    if "usercomments" in thread_attrs or "schema.org/comment" in thread_attrs:
        return "schema.org", "thread markup has schema.org Comment/UserComments"
    if census.platform != "custom":
        return f"native:{census.platform}", "platform's own comments (no embed around the thread)"
    return "custom", "no known platform or embed"


def thread_attrs(container: etree._Element | None, depth_down: int = 3) -> str:
    """id/class/itemtype of the thread container, its ancestors and its first levels."""
    if container is None:
        return ""
    parts = [attrs_text(a) + " " + (a.get("itemtype") or "").lower() for a in ancestors(container)[:12]]
    level = [container]
    for _ in range(depth_down):
        level = [c for el in level for c in el if isinstance(c.tag, str)][:200]
        parts += [attrs_text(c) + " " + (c.get("itemtype") or "").lower() for c in level]
    return " ".join(parts)


# ----------------------------------------------------------------------------- sources

class Git:
    def __init__(self, gitdir: Path) -> None:
        self.gitdir = gitdir
        self.head = self.run("rev-parse", "HEAD").strip()

    def run(self, *args: str) -> str:
        return subprocess.run(["git", f"--git-dir={self.gitdir}", *args], check=True,
                              capture_output=True, text=True).stdout

    def ls(self, path: str) -> dict[str, str]:
        out = {}
        for line in self.run("ls-tree", "-r", "HEAD", "--", path).splitlines():
            meta, name = line.split("\t", 1)
            out[name] = meta.split()[2]
        return out

    def read_many(self, shas: list[str]) -> dict[str, bytes]:
        proc = subprocess.run(["git", f"--git-dir={self.gitdir}", "cat-file", "--batch"],
                              input="".join(s + "\n" for s in shas).encode(), check=True, capture_output=True)
        buf, out, pos = proc.stdout, {}, 0
        for sha in shas:
            nl = buf.index(b"\n", pos)
            hdr = buf[pos:nl].split()
            size = int(hdr[2])
            out[sha] = buf[nl + 1:nl + 1 + size]
            pos = nl + 1 + size + 1
        return out

    def show(self, path: str) -> bytes:
        return subprocess.run(["git", f"--git-dir={self.gitdir}", "show", f"HEAD:{path}"],
                              check=True, capture_output=True).stdout


def norm_hash(b: bytes) -> str:
    return hashlib.sha1(re.sub(rb"\s+", b"", b)).hexdigest()


def url_key(u: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", u.strip().lower()).split("#")[0].rstrip("/")


def trafilatura_reserved(gitdir: Path) -> tuple[set[str], set[str]]:
    """sha1s (raw and whitespace-free, gunzipped where gzip) of every file over 2 KB ever under
    adbar/trafilatura's tests/, and every URL those tests name."""
    git = Git(gitdir)
    objs = [line.split(" ", 1) for line in git.run("rev-list", "--all", "--objects", "--", "tests/").splitlines() if " " in line]
    kinds = subprocess.run(["git", f"--git-dir={gitdir}", "cat-file", "--batch-check"],
                           input="".join(s + "\n" for s, _ in objs).encode(), check=True, capture_output=True).stdout.decode().splitlines()
    blobs = sorted({k.split()[0] for k in kinds if k.split()[1:2] == ["blob"]})
    hashes: set[str] = set()
    urls: set[str] = set()
    data = git.read_many(blobs)
    for b in data.values():
        if b[:2] == b"\x1f\x8b":
            try:
                b = gzip.decompress(b)
            except (OSError, EOFError):
                pass
        if len(b) < 2000:
            continue
        hashes.add(hashlib.sha1(b).hexdigest())
        hashes.add("n:" + norm_hash(b))
        if len(b) < 3_000_000:
            for u in re.findall(rb"https?://[^\s\"'<>)\\]+", b[:200_000] if b.lstrip()[:1] == b"<" else b):
                urls.add(url_key(u.decode("latin-1")))
    return hashes, urls


# ----------------------------------------------------------------------------- build

@dataclass
class Candidate:
    pid: str
    path: str
    gold_path: str
    body: bytes
    text: str
    charset: str
    charset_source: str
    url: str
    url_source: str
    site: str
    census: Census
    gold_article: str
    gold_comments: str | None
    comments: list[dict[str, Any]] = field(default_factory=list)
    split: dict[str, Any] = field(default_factory=dict)
    system: str = ""
    system_evidence: str = ""
    comment_markup_text: int = 0
    source_repo: str = "j-szulc/html-cleaning-dataset-merged"
    source_commit: str = ""
    original_repo: str | None = "seomoz/dragnet_data"
    original_commit: str | None = None
    licence: str = DRAGNET_LICENCE
    labels_kind: str = "gold-text"  # gold-text | none (a thread the page shows, not labelled) | harvest-gold | markup
    forum_label: dict[str, Any] | None = None  # a forum thread page's label entry (forum_labels)
    forum_family: str | None = None  # its engine: vbulletin, phpbb, xenforo, invision, smf, vanilla


COMMENT_ITEM_XP = ("//*[re:test(concat(' ', @class, ' '), "
                   "' (comment-body|comment-content|comment-text|commentcontent|comment_text|comment-entry) ', 'i')]")


def analyse_dragnet(pid: str, path: str, gold_path: str, body: bytes, gold: bytes) -> Candidate | None:
    text, charset, charset_source = decode_html(body)
    root = parse_html(text)
    if root is None:
        return None
    url, how = page_url(root, f"https://corpus.invalid/dragnet/{pid.removeprefix('dragnet-')}")
    census = detect_platform(root, url)
    art, com = split_gold(decode_gold(gold))
    site = reg_domain(site_guess(root, url, how)) or pid
    cand = Candidate(pid, path, gold_path, body, text, charset, charset_source, url, how, site, census,
                     art, com if com is not None and gold_lines(com) else None)
    ns = {"re": "http://exslt.org/regular-expressions"}
    cand.comment_markup_text = sum(len(" ".join(e.text_content().split())) for e in root.xpath(COMMENT_ITEM_XP, namespaces=ns))
    if cand.gold_comments is None:
        cand.system, cand.system_evidence = "none", "gold text has no comment part"
        return cand
    doc = DocText(root)
    lines = gold_lines(cand.gold_comments)
    comments, info = split_comments(root, doc, lines)
    cand.comments, cand.split = comments, info
    container = info.pop("_container", None)
    cand.system, cand.system_evidence = comment_system(census, thread_attrs(container))
    return cand


def key_of(c: Candidate) -> str:
    """The census key a page counts under: the comment system when it is an embed or
    schema.org microdata, else the platform."""
    if c.system and not c.system.startswith("native:") and c.system not in ("custom", "none"):
        return c.system
    return "drupal" if c.census.platform.startswith("drupal") else c.census.platform


def select(cands: list[Candidate]) -> tuple[list[Candidate], list[Candidate]]:
    with_comments = [c for c in cands if c.gold_comments is not None and len(c.body) <= MAX_HTML_BYTES
                     and c.split.get("placed_share", 0) >= 0.8 and c.pid not in EXCLUDE]
    # per-comment splits first, then the pages with more gold comment text, then id
    with_comments.sort(key=lambda c: (c.split.get("split") != "per-comment", -min(len(c.comments), 12),
                                      c.pid))
    chosen: list[Candidate] = []
    per_key: Counter[str] = Counter()
    per_host: Counter[str] = Counter()
    for c in with_comments:
        k = key_of(c)
        host = c.site
        if per_key[k] >= PER_KEY_CAP.get(k, DEFAULT_CAP) or per_host[host] >= 2:
            continue
        per_key[k] += 1
        per_host[host] += 1
        chosen.append(c)
    # negatives: article pages the gold text gives no comments, with no comment-body markup
    # holding text (the annotators may have missed a thread there), most tempting first:
    # platforms with comment forms, then others
    neg = [c for c in cands if c.gold_comments is None and len(c.body) <= MAX_HTML_BYTES
           and len(loose(c.gold_article)) >= 1200 and c.comment_markup_text == 0]
    neg.sort(key=lambda c: c.pid)
    negatives: list[Candidate] = []
    per_key_neg: Counter[str] = Counter()
    for c in neg:
        host = c.site
        if per_key_neg[c.census.platform] >= (8 if c.census.platform == "custom" else 5) or per_host[host] >= 2:
            continue
        per_key_neg[c.census.platform] += 1
        per_host[host] += 1
        negatives.append(c)
        if len(negatives) >= NEGATIVES:
            break
    return chosen, negatives


def write_outputs(out: Path, pages: list[Candidate]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    manifest, labels = [], {}
    # other processes read the corpus while it is rebuilt: each file is written beside its old
    # version and then takes its place (os.replace), never seen half-written
    warc_tmp = out / ".corpus.warc.gz.tmp"
    with warc_tmp.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="WARC/1.1")
        info = {
            "software": "threadwarc bench/realcorpus/build.py",
            "format": "WARC File Format 1.1",
            "description": "Development corpus of real saved pages with and without comment threads "
                           "(issue 10). Pages from seomoz/dragnet_data (AGPL-3.0, collected 2012, via "
                           "j-szulc/html-cleaning-dataset-merged), a few from mozilla/readability (Apache-2.0) "
                           "and scrapinghub/article-extraction-benchmark (MIT). Each page (c) its site. "
                           "See manifest.json and LICENSES/.",
        }
        rec = writer.create_warcinfo_record("corpus.warc.gz", info)
        # a fixed date and id: the same inputs give the same file
        rec.rec_headers.replace_header("WARC-Date", FETCH_DATE)
        rec.rec_headers.replace_header("WARC-Record-ID", f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'threadwarc-realcorpus/warcinfo')}>")
        writer.write_record(rec)
        for c in pages:
            if c.pid in GOLD_MISSES_THREAD:  # checked by eye: a thread the gold text left out
                c.labels_kind, c.system_evidence = "none", GOLD_MISSES_THREAD[c.pid]
                c.gold_comments = None
            rid = f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'threadwarc-realcorpus/' + c.pid)}>"
            http = StatusAndHeaders("200 OK", [("Content-Type", f"text/html; charset={c.charset}"),
                                               ("Content-Length", str(len(c.body)))], protocol="HTTP/1.1")
            rec = writer.create_warc_record(c.url, "response", payload=io.BytesIO(c.body), length=len(c.body),
                                            http_headers=http,
                                            warc_headers_dict={"WARC-Date": FETCH_DATE, "WARC-Record-ID": rid})
            writer.write_record(rec)
            write_page(c.pid, c.body, out)  # what the repository keeps (the WARC is built from it)
            if c.forum_label is not None:
                has = bool(c.forum_label["comments"])
            else:
                has = c.gold_comments is not None or c.labels_kind == "none"
            manifest.append({
                "id": c.pid, "source_repo": c.source_repo, "source_commit": c.source_commit,
                "path": c.path, "gold_path": c.gold_path or None, "original_repo": c.original_repo,
                "original_commit": c.original_commit,
                "sha1": hashlib.sha1(c.body).hexdigest(), "bytes": len(c.body), "licence": c.licence,
                "url": c.url, "url_source": c.url_source, "site_guess": c.site, "warc_record_id": rid,
                "charset": c.charset, "charset_source": c.charset_source,
                "platform": c.census.platform, "platform_evidence": c.census.evidence,
                "embeds_on_page": c.census.embeds, "schema_org_comments": c.census.schema_comments,
                "forum": c.census.forum,
                "has_comments": has, "comment_system": c.system, "comment_system_evidence": c.system_evidence,
                "census_key": (c.forum_family or key_of(c)) if has else "negative", "labels": c.labels_kind,
            })
            entry: dict[str, Any] = {"labels": c.labels_kind, "checked": False}
            if c.forum_label is not None:
                entry = c.forum_label
            elif c.labels_kind == "none":
                entry["split"] = "none"
                entry["comments"] = None
                entry["note"] = c.system_evidence
            elif has:
                entry["split"] = c.split.get("split")
                entry["split_info"] = {k: v for k, v in c.split.items() if k not in ("split",)}
                entry["comments"] = [{k: v for k, v in cm.items() if k != "blob"} for cm in c.comments]
                lines = gold_lines(c.gold_comments)
                entry["gold_comment_text"] = "\n".join(lines)
                # the lines of gold_comment_text that are also in the gold article text (a comment
                # quoting the post): no evidence of a leak when found in the article's text
                article = loose(c.gold_article)
                entry["lines_also_in_article"] = [k for k, ln in enumerate(lines) if loose(ln) and loose(ln) in article]
            else:
                entry["split"] = "none"
                entry["comments"] = []
            labels[c.pid] = entry
    texts = {"manifest.json": json.dumps({"fetch_date": FETCH_DATE, "pages": manifest}, indent=1, ensure_ascii=False) + "\n",
             "labels.json": json.dumps(labels, indent=1, ensure_ascii=False) + "\n"}
    for name, content in texts.items():
        (out / f".{name}.tmp").write_text(content)
    warc_tmp.unlink()  # not kept: corpus.py builds the WARC from pages/ where it is needed
    for name in texts:
        os.replace(out / f".{name}.tmp", out / name)


# Pages of the other public sets that show a comment thread in their HTML, taken unlabelled
# (labels: "none") for the platforms Dragnet's 2012 pages lack (schema.org Comment microdata,
# a forum-style news thread, newer WordPress and Drupal 7 themes): the scorer only says whether
# comments were found there. (repo key, path prefix, why)
EXTRAS = [
    ("aeb", "html/0e014df693f1", "WordPress, schema.org UserComments microdata"),
    ("aeb", "html/4219d096902d", "WordPress, schema.org UserComments microdata"),
    ("aeb", "html/3252222e61fe", "WordPress (pt), schema.org Comment microdata"),
    ("aeb", "html/c582d3b77257", "WordPress, schema.org Comment microdata"),
    ("aeb", "html/c82b3d1d540b", "custom (ru), schema.org Comment microdata"),
    ("aeb", "html/232a43fb15ab", "MacRumors article with its forum thread's posts"),
    ("aeb", "html/8e3efab59f48", "WordPress VIP theme, 'says:' comments"),
    ("aeb", "html/ac3c03552046", "WordPress, threaded comments"),
    ("aeb", "html/e7d77f186980", "WordPress news theme"),
    ("readability", "test/test-pages/aclu/source.html", "Drupal 7 custom theme"),
    ("readability", "test/test-pages/firefox-nightly-blog/source.html", "WordPress, 'wrote on' comments"),
    ("readability", "test/test-pages/wordpress/source.html", "WordPress (WP Tavern) theme"),
]
EXTRA_REPOS = {
    "aeb": ("scrapinghub/article-extraction-benchmark", "MIT (repository licence; pages (c) their sites)", "LICENSE"),
    "readability": ("mozilla/readability", "Apache-2.0 (repository licence; pages (c) their sites)", "LICENSE.md"),
}


def extra_pages(args: argparse.Namespace, reserved_hashes: set[str], reserved_urls: set[str],
                stats: Counter[str]) -> list[Candidate]:
    out: list[Candidate] = []
    gitdirs = {"aeb": args.aeb_git, "readability": args.readability_git}
    for key, gitdir in gitdirs.items():
        if gitdir is None or not Path(gitdir).exists():
            print(f"extras: no {key} clone at {gitdir}: skipped", file=sys.stderr)
            continue
        git = Git(Path(gitdir))
        repo, licence, licence_file = EXTRA_REPOS[key]
        (args.out / "LICENSES").mkdir(parents=True, exist_ok=True)
        (args.out / "LICENSES" / f"{repo.split('/')[1]}-{licence_file}").write_bytes(git.show(licence_file))
        truth = json.loads(git.show("ground-truth.json")) if key == "aeb" else {}
        for k, prefix, why in EXTRAS:
            if k != key:
                continue
            listing = git.ls(prefix.rsplit("/", 1)[0])
            paths = [p for p in listing if p.startswith(prefix)]
            if len(paths) != 1:
                stats[f"extras: {prefix} not found"] += 1
                continue
            path = paths[0]
            body = git.read_many([listing[path]])[listing[path]]
            if path.endswith(".gz"):
                body = gzip.decompress(body)
            if hashlib.sha1(body).hexdigest() in reserved_hashes or "n:" + norm_hash(body) in reserved_hashes:
                stats["excluded: trafilatura test file"] += 1
                continue
            text, charset, charset_source = decode_html(body)
            root = parse_html(text)
            if root is None:
                continue
            pid = f"{key}-{path.split('/')[-2] if key == 'readability' else Path(path).name[:12]}"
            url, how = page_url(root, f"https://corpus.invalid/{key}/{pid}")
            hint = truth.get(Path(path).name.split(".")[0], {}).get("url")
            if how == "invented" and hint:
                url, how = hint, "ground-truth.json"
            if url_key(url) in reserved_urls:
                stats["excluded: URL in trafilatura tests"] += 1
                continue
            census = detect_platform(root, url)
            c = Candidate(pid, path, "", body, text, charset, charset_source, url, how,
                          reg_domain(site_guess(root, url, how)) or pid, census, "", None,
                          source_repo=repo, source_commit=git.head, original_repo=None, licence=licence,
                          labels_kind="none")
            c.system = ("schema.org" if census.schema_comments else
                        next(iter(census.embeds), None) or (f"native:{census.platform}" if census.platform != "custom" else "custom"))
            c.system_evidence = why
            out.append(c)
    return out


# ----------------------------------------------------------------------------- forum thread pages

# Forum thread pages (vBulletin, phpBB, XenForo, Invision, SMF, Vanilla), which Dragnet's 2012
# pages lack: a thread page is its opening post (the article, on the thread's first page) and
# the replies (its comments). Two sources:
#   fhgr/harvest        WEB-FORUM-52, the gold standard of Weichselbraun et al., "Harvest - An
#                       Open Source Toolkit for Extracting Posts and Post Metadata from Web Forums"
#                       (WI-IAT 2020): each file holds a page's HTML and its posts as annotators
#                       corrected them by hand (post text, date as shown, user link, post link).
#                       Labels "harvest-gold": the text is theirs; the post's id, the author's
#                       display name (the text of the link they name) and a machine-readable time
#                       are read from the markup around the gold text (`forum_gold_posts`).
#   Kinematics/NetTally test resources: one saved thread page per forum engine its adapters
#                       read. Labels "markup": the posts as the page's markup delimits them, read
#                       with a per-page specification below (`forum_markup_posts`), checked by eye.
# Sites whose other pages adbar/trafilatura's tests hold (computerbase.de, juraforum.de,
# forum.mein-schoener-garten.de) are left out, as are kiwifarms.net (content) and engines no
# parser of ours reads (FluxBB, Phorum, WoltLab, bbPress, Discourse, custom forums).
FORUM_REPOS = {
    "harvest": ("fhgr/harvest", "Apache-2.0 (repository licence; WEB-FORUM-52 gold standard; pages (c) their sites)",
                "LICENSE", MIRROR / "fhgr+harvest/repo"),
    "nettally": ("Kinematics/NetTally", "GPL-2.0 (repository licence; test resources; pages (c) their sites)",
                 "LICENSE.txt", MIRROR / "Kinematics+NetTally/repo"),
}
_GOLD = "corpus/goldDocuments/"
_NT = "NetTally.Tests/Resources/"


@dataclass(frozen=True)
class ForumSpec:
    """One forum thread page: where it is, its engine, whether it opens the thread."""

    pid: str
    source: str  # harvest | nettally
    path: str
    platform: str  # the engine and its major version, as the page's markup shows it
    opening: bool  # the page starts with the thread's opening post (the article)
    url: str | None = None  # the page's URL where the file states none (read off its own links)
    # markup labels (nettally): XPaths for the posts, then relative to a post its id, body,
    # author, and what in the body is no post text
    posts: str | None = None
    post_id: str | None = None
    body: str | None = None
    author: str | None = None
    drop: str | None = None
    note: str = ""


FORUM_PAGES = [
    # XenForo 2
    ForumSpec("harvest-statcounter", "harvest", _GOLD + "forum.statcounter.com.threads.custom-tags-examples.44340..json", "xenforo2", True),
    ForumSpec("harvest-wordreference", "harvest", _GOLD + "forum.wordreference.com.threads.attuned-to-the-reiki-symbols.3691417..json", "xenforo2", True),
    ForumSpec("harvest-macrumors", "harvest", _GOLD + "forums.macrumors.com.threads.se-or-11.2231616..json", "xenforo2", True, note="ThemeHouse UI.X style"),
    ForumSpec("harvest-uhrforum", "harvest", _GOLD + "uhrforum.de.threads.der-yema-fotothread-und-nicht-nur-das.414009..json", "xenforo2", True),
    ForumSpec("harvest-android-hilfe", "harvest", _GOLD + "www.android-hilfe.de.forum.samsung-allgemein.423.faq-diskussion-zum-kauf-samsung-galaxy-s10-s10e-s10-snapdragon-variante.904645.html.json", "xenforo2", True),
    ForumSpec("nettally-xenforo2", "nettally", _NT + "Xenforo2.html", "xenforo2", True,
              posts="//article[contains(concat(' ', @class, ' '), ' message--post ')]", post_id="substring-after(@data-content, 'post-')",
              body=".//div[contains(concat(' ', @class, ' '), ' bbWrapper ')]", author="@data-author",
              drop=".//div[contains(@class, 'bbCodeBlock-expandLink')]"),
    # XenForo 1
    ForumSpec("harvest-digitalfernsehen", "harvest", _GOLD + "forum.digitalfernsehen.de.threads.df-hilferuf.416785..json", "xenforo1", True),
    ForumSpec("harvest-sherdog", "harvest", _GOLD + "forums.sherdog.com.threads.all-time-goat-poll.3916359..json", "xenforo1", True),
    ForumSpec("harvest-gtplanet", "harvest", _GOLD + "www.gtplanet.net.forum.threads.f1-2018-general-discussion.378195..json", "xenforo1", True),
    ForumSpec("harvest-musiker-board", "harvest", _GOLD + "www.musiker-board.de.threads.baubericht-0-14-ital-fichte-palisander.689167..json", "xenforo1", True),
    ForumSpec("nettally-xenforo1", "nettally", _NT + "Xenforo1.html", "xenforo1", False,
              posts="//li[starts-with(@id, 'post-')][contains(concat(' ', @class, ' '), ' message ')]", post_id="substring-after(@id, 'post-')",
              body=".//blockquote[contains(concat(' ', @class, ' '), ' messageText ')]", author="@data-author",
              drop=".//*[contains(@class, 'quoteExpand') or contains(@class, 'messageTextEndMarker')]",
              note="page 54 of the thread (Sufficient Velocity)"),
    # vBulletin 3, 4, 5
    ForumSpec("harvest-skyscraperpage", "harvest", _GOLD + "skyscraperpage.com.forum.showthread.php.242327.json", "vbulletin3", True),
    ForumSpec("nettally-vbulletin3", "nettally", _NT + "vBulletin3.html", "vbulletin3", False,
              url="https://forums.animesuki.com/showthread.php?t=128882&page=152",
              posts="//div[starts-with(@id, 'post_message_')]", post_id="substring-after(@id, 'post_message_')",
              body=".", author="(preceding::a[contains(concat(' ', @class, ' '), ' bigusername ')])[last()]",
              note="page 152 of 155; URL from the page's pager links (it names none)"),
    ForumSpec("harvest-msworld", "harvest", _GOLD + "www.msworld.org.forum.showthread.php.json", "vbulletin4", True),
    ForumSpec("harvest-futura-sciences", "harvest", _GOLD + "forums.futura-sciences.com.annonces-officielles.78761-moderateurs.html.json", "vbulletin4", True),
    ForumSpec("harvest-drwindows", "harvest", _GOLD + "www.drwindows.de.windows-7-allgemein.16340-zufall-entdeckte-problemlsungen.html.json", "vbulletin4", True),
    ForumSpec("harvest-worldofplayers", "harvest", _GOLD + "forum.worldofplayers.de.forum.threads.1548322-Welchen-Blog-benutzt-man-in-2020.json", "vbulletin4", True),
    ForumSpec("nettally-vbulletin4", "nettally", _NT + "vBulletin4.html", "vbulletin4", True,
              url="http://forums.militarytimes.com/showthread.php/9687-Legendary-military-columnist-author-Bob-Dorr-dies-at-76",
              posts="//li[starts-with(@id, 'post_')][contains(@class, 'postcontainer')]", post_id="substring-after(@id, 'post_')",
              body=".//div[starts-with(@id, 'post_message_')]", author="(.//*[contains(concat(' ', @class, ' '), ' username ')])[1]",
              note="page 1 of 2; URL: its relative canonical resolved against its <base href>"),
    ForumSpec("nettally-vbulletin5", "nettally", _NT + "vBulletin5.html", "vbulletin5", True,
              posts="//li[contains(concat(' ', @class, ' '), ' b-post ')][@data-node-id]", post_id="string(@data-node-id)",
              body=".//div[contains(concat(' ', @class, ' '), ' js-post__content-text ')]",
              author="(.//*[contains(concat(' ', @class, ' '), ' author ')]//a)[1]"),
    # phpBB 3
    ForumSpec("harvest-ebaumsworld", "harvest", _GOLD + "forum.ebaumsworld.com.viewtopic.php.42095.json", "phpbb3", False, note="page 48 of 58, custom theme"),
    ForumSpec("harvest-nationstates", "harvest", _GOLD + "forum.nationstates.net.viewtopic.php.json", "phpbb3", True),
    ForumSpec("harvest-openoffice", "harvest", _GOLD + "forum.openoffice.org.en.forum.viewtopic.php.json", "phpbb3", True),
    ForumSpec("harvest-videolan", "harvest", _GOLD + "forum.videolan.org.viewtopic.php.92075.json", "phpbb3", True),
    ForumSpec("harvest-maladiesraresinfo", "harvest", _GOLD + "forums.maladiesraresinfo.org.post11011.html.json", "phpbb3", False, note="page 3 of 3 (a post's URL), SEO URLs"),
    ForumSpec("harvest-airliners", "harvest", _GOLD + "www.airliners.net.forum.viewtopic.php.1437935.json", "phpbb3", True),
    ForumSpec("nettally-phpbb", "nettally", _NT + "phpBB.html", "phpbb3", False,
              url="http://www.ilovephilosophy.com/viewtopic.php?f=1&t=194998&start=25",
              posts="//div[contains(concat(' ', @class, ' '), ' post ')][starts-with(@id, 'p')]", post_id="substring-after(@id, 'p')",
              body=".//div[@class='content']", author="(.//p[@class='author']//a[normalize-space()])[last()]",
              note="page 2 of 10; URL from the page's pager links (it names none)"),
    # Invision Community 4
    ForumSpec("harvest-utorrent", "harvest", _GOLD + "forum.utorrent.com.topic.86747-help-us-build-the-next-great-bittorrent-product..json", "invision4", True),
    ForumSpec("harvest-neowin", "harvest", _GOLD + "www.neowin.net.forum.topic.1393830-hello-everyone..json", "invision4", True),
    # Simple Machines Forum 1
    ForumSpec("harvest-bpdfamily", "harvest", _GOLD + "bpdfamily.com.message_board.index.php.json", "smf1", True),
    # Vanilla
    ForumSpec("harvest-bitdefender", "harvest", _GOLD + "community.bitdefender.com.en.discussion.81455.how-to-disable-notification.json", "vanilla2", True),
    ForumSpec("harvest-scope", "harvest", _GOLD + "community.scope.org.uk.discussion.68941.disabled-mum.json", "vanilla2", True),
    ForumSpec("harvest-moneysavingexpert", "harvest", _GOLD + "forums.moneysavingexpert.com.discussion.5567669.unsure-whether-to-consolidate-please-advise.json", "vanilla2", True),
    ForumSpec("harvest-collegeconfidential", "harvest", _GOLD + "talk.collegeconfidential.com.student-here-ask-me-anything.2183693-got-into-nyu-pre-med-intention-ask-me-anything.html.json", "vanilla2", True),
]

# an element that marks one post: its id (or XenForo 2's data-content) names the post's number
_POST_MARK = re.compile(r"^(?:js-post-|post-|post_message_|post_content|postcount|post_|post|td_post_|p|elComment_|comment-"
                        r"|Comment_|Discussion_|subject_|msg_|msg)(\d+)$")
_QUOTE_OF = re.compile(r"(?:goto/post\?id=|[?&;]p=|\bpost:\s*|#post-?|\.msg|#msg|#p|/discussion/comment/)(\d+)")
_POST_LINK = re.compile(r"(?:[?&;]p=|post-|#post|#p|[?&]comment=|comment-|Comment_|\.msg|#msg)(\d+)")
_IN_QUOTE = ("ancestor::blockquote or ancestor::*[contains(@class, 'quote') or contains(@class, 'Quote')"
             " or contains(@class, 'bbCodeBlock') or contains(@class, 'bbcode_')]")
_SKIP_TEXT = {"script", "style", "head", "title", "template", "iframe", "select", "option", "noscript"}


class Spans:
    """The page's text as one `loose` string, and where each element's text starts and ends in it."""

    def __init__(self, root: etree._Element) -> None:
        chunks: list[str] = []
        pos = 0
        self.start: dict[etree._Element, int] = {}
        self.end: dict[etree._Element, int] = {}
        self.order: list[etree._Element] = []
        walker = etree.iterwalk(root, events=("start", "end"))
        skipping = 0
        for event, el in walker:
            if not isinstance(el.tag, str):
                continue
            if event == "start":
                self.start[el] = pos
                self.order.append(el)
                if el.tag in _SKIP_TEXT:
                    walker.skip_subtree()
                    skipping += 1
                elif el.text and (lo := loose(el.text)):
                    chunks.append(lo)
                    pos += len(lo)
            else:
                if el.tag in _SKIP_TEXT:
                    skipping -= 1
                self.end[el] = pos
                if el.tail and (lo := loose(el.tail)):
                    chunks.append(lo)
                    pos += len(lo)
        self.text = "".join(chunks)

    def find(self, text: str, cursor: int) -> int:
        lo = loose(text)
        if not lo:
            return -1
        for probe, start in ((lo, cursor), (lo, 0), (lo[:60], cursor), (lo[:30], cursor)):
            j = self.text.find(probe, start)
            if j >= 0:
                return j
        return -1


def _epoch_or_iso(value: str | None) -> str | None:
    """A machine-readable time as ISO UTC: epoch seconds, or ISO 8601 with an offset."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit() and len(value) >= 9:
        return datetime.fromtimestamp(int(value), timezone.utc).isoformat()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(timezone.utc).isoformat() if moment.tzinfo else None


def _region(spans: Spans, start: int, end: int) -> list[etree._Element]:
    return [el for el in spans.order if start <= spans.start[el] < end]


def _href_key(href: str) -> str:
    """A profile link without session ids and fragments, to compare links."""
    parts = urlsplit(href.strip())
    query = "&".join(p for p in re.split(r"[&;]", parts.query) if p and not re.match(r"(?:s|sid|PHPSESSID)=", p))
    return f"{parts.path.lstrip('./')}?{query}" if query else parts.path.lstrip("./")


def _time_in(els: list[etree._Element]) -> tuple[str | None, str | None]:
    """(published, attribute) of the first machine-readable time outside quotes, or (None, why)."""
    for el in els:
        for attr in ("data-time", "datetime", "data-timestamp"):
            value = el.get(attr)
            if value and not el.xpath(f"boolean({_IN_QUOTE})"):
                return _epoch_or_iso(value), f"{el.tag}@{attr}={value}"
    return None, None


def _quoted(els: list[etree._Element], own: str, host: str | None) -> set[str]:
    """Post numbers this post's quotes name (links and attributes inside quote markup; links to
    other sites are no posts of this thread's forum)."""
    found: set[str] = set()
    for el in els:
        vb3 = el.tag == "a" and re.search(r"showthread\.php\?.*\bp=\d+", el.get("href") or "") and el.xpath(
            "boolean(ancestor::*[starts-with(@id, 'post_message_')])")  # vBulletin 3's quote table
        if not vb3 and not el.xpath(f"boolean(self::blockquote or {_IN_QUOTE})"):
            continue
        if el.xpath("boolean(ancestor-or-self::*[contains(@class, 'signature') or contains(@class, 'Signature')])"):
            continue  # a quote in the poster's signature is no reply
        for attr in ("href", "data-source", "cite", "data-ipsquote-contentcommentid"):
            value = el.get(attr) or ""
            if attr == "href" and urlsplit(value).hostname not in (None, host):
                continue
            if attr == "data-ipsquote-contentcommentid" and value.isdigit():
                found.add(value)
            elif m := _QUOTE_OF.search(value):
                found.add(m.group(1))
    found.discard(own)
    return found


def forum_gold_posts(root: etree._Element, annotations: list[dict[str, Any]], host: str | None) -> tuple[list[dict[str, Any]], list[str]]:
    """Each gold post with its id, author's display name and time read from the markup around
    its gold text: the post's id is the number of the nearest post marker before the text; its
    region runs to the next post's first marker. Problems are returned, not guessed over."""
    spans = Spans(root)
    marks = [(spans.start[el], m.group(1)) for el in spans.order
             if (m := _POST_MARK.match(el.get("id") or "") or _POST_MARK.match(el.get("data-content") or ""))]
    marked: dict[str, list[etree._Element]] = {}
    for el in spans.order:
        if m := _POST_MARK.match(el.get("id") or "") or _POST_MARK.match(el.get("data-content") or ""):
            marked.setdefault(m.group(1), []).append(el)
    first_mark: dict[str, int] = {}
    for pos, num in marks:
        first_mark.setdefault(num, pos)
    problems: list[str] = []
    posts: list[dict[str, Any]] = []
    cursor = 0
    for k, ann in enumerate(annotations):
        text = " ".join(ann["post_text"]["surface_form"].split())
        link = (ann.get("post_link") or {}).get("surface_form") or ""
        linked = m.group(1) if (m := _POST_LINK.search(link)) and m.group(1) in first_mark else None
        at = spans.find(text, cursor)
        if at >= 0:
            cursor = at + 1
            before = [num for pos, num in marks if pos <= at]
            num = before[-1] if before else None
            if linked and num != linked:
                problems.append(f"post {k}: its text follows marker {num}, its gold link names {linked}")
        else:
            num = linked
            problems.append(f"post {k}: gold text {text[:30]!r} not found in the page; id {num} from its gold link")
        if num is None:
            problems.append(f"post {k}: no post id")
        posts.append({"text": text, "comment_id": num, "at": at if at >= 0 else None,
                      "user": (ann.get("user") or {}).get("surface_form"),
                      "time_text": " ".join(((ann.get("datetime") or {}).get("surface_form") or "").split()) or None})
    ids = [p["comment_id"] for p in posts]
    if len(set(ids)) != len(ids):
        problems.append(f"post ids repeat: {ids}")
    for k, p in enumerate(posts):
        if p["comment_id"] is None:
            continue
        start = first_mark[p["comment_id"]]
        later = [first_mark[q["comment_id"]] for q in posts[k + 1:] if q["comment_id"] is not None]
        end = min(later) if later else len(spans.text) + 1
        # the post's own elements end it where one holds its text (the last post's region must
        # not run into the page's footer)
        holders = [spans.end[el] for el in marked[p["comment_id"]] if p["at"] is not None and spans.end[el] > p["at"]]
        end = min(end, max(holders)) if holders else end
        region = _region(spans, start, end)
        p["published"], p["time_attr"] = _time_in(region)
        p["author"] = _gold_author(spans, region, p.pop("user"), p["at"], start, problems)
        if not p["author"]:
            problems.append(f"post {k} ({p['comment_id']}): author not found")
        p["quoted"] = sorted(_quoted(region, p["comment_id"], host))
    for p in posts:
        p.pop("at", None)
    # a post with no text at all (an embedded video only) cannot be scored: left out, and said
    kept = [p for p in posts if p["text"]]
    problems += [f"post {p['comment_id']} left out: no text (an embed only)" for p in posts if not p["text"]]
    return kept, problems


_PROFILE = re.compile(r"(?i)member|membre|mitglied|profil|/user|benutzer|showuser=|/u/")


def _gold_author(spans: Spans, region: list[etree._Element], user: str | None, at: int | None, start: int,
                 problems: list[str]) -> str | None:
    """The display name of the user the gold names: the text of the first link to them in the
    post's region, outside quotes and not a mention (or, where the profile sits before the
    post's marker, the nearest one before its text); a gold user that is no link is the name
    itself. Where the gold's link is no profile link (an annotator's slip), the region's first
    profile link."""
    if not user:
        return None
    user = " ".join(user.split())
    if not re.search(r"[/?=]", user):
        return user

    def name(a: etree._Element) -> str:
        return " ".join(" ".join(a.itertext()).split())

    def usable(a: etree._Element) -> bool:
        return (a.tag == "a" and bool(a.get("href")) and bool(name(a)) and not name(a).startswith("@")
                and not re.match(r"(?i)^view (?:the )?profile", name(a)) and not a.xpath(f"boolean({_IN_QUOTE})"))

    if _PROFILE.search(user):
        key = _href_key(user)
        links = [a for a in region if usable(a) and _href_key(a.get("href")) == key]
        if not links:
            links = [a for a in spans.order if spans.start[a] < (at or start) and usable(a)
                     and _href_key(a.get("href")) == key][-1:]
    else:
        problems.append(f"gold user {user[:40]!r} is no profile link: the author is the post's first profile link")
        links = [a for a in region if usable(a) and _PROFILE.search(a.get("href"))]
    names = [name(a) for a in links]
    longer = [n for n in names if len(n) > 1]  # a default avatar shows the name's initial
    return (longer or names or [None])[0]


def forum_markup_posts(root: etree._Element, spec: ForumSpec, host: str | None) -> tuple[list[dict[str, Any]], list[str]]:
    """Posts as the page's markup delimits them, with the per-page XPaths of `spec`."""
    problems: list[str] = []
    posts: list[dict[str, Any]] = []
    for el in root.xpath(spec.posts):
        pid = str(el.xpath(spec.post_id)).strip()
        bodies = el.xpath(spec.body)
        if not pid or not bodies:
            problems.append(f"post without id or body: {pid!r}")
            continue
        body = copy.deepcopy(bodies[0])
        for junk in body.xpath(f"{spec.drop} | .//script | .//style" if spec.drop else ".//script | .//style"):
            junk.drop_tree()
        text = " ".join(" ".join(t for t in body.itertext() if t).split())
        who = el.xpath(spec.author)
        author = who[0] if who and isinstance(who[0], str) else (" ".join(" ".join(who[0].itertext()).split()) if who else None)
        quote_els = [e for e in bodies[0].iter() if isinstance(e.tag, str)]
        times = [e for e in el.iter() if isinstance(e.tag, str)] if spec.posts else []
        published, attr = _time_in(times)
        # (no time as shown: the markup's machine-readable one stands in for it, where there is one)
        posts.append({"text": text, "comment_id": pid, "author": str(author).strip() or None, "time_text": published,
                      "published": published, "time_attr": attr, "quoted": sorted(_quoted(quote_els, pid, host))})
    return posts, problems


def forum_labels(posts: list[dict[str, Any]], spec: ForumSpec, kind: str, problems: list[str]) -> dict[str, Any]:
    """The page's label entry: the opening post apart (the article), the rest as comments, each
    reply's parent the one post its quotes name (top level when that is the opening post)."""
    opening = posts[0] if spec.opening and posts else None
    comments = posts[1:] if opening else posts
    index = {c["comment_id"]: i for i, c in enumerate(comments)}
    out = []
    for c in comments:
        quoted = c.pop("quoted", [])
        parent_id = quoted[0] if len(quoted) == 1 else None
        if opening and parent_id == opening["comment_id"]:
            parent_id = None
        out.append({**c, "parent_id": parent_id, "parent": index.get(parent_id) if parent_id else None})
    if opening:
        opening = {k: v for k, v in opening.items() if k != "quoted"}
    return {
        "labels": kind, "checked": True, "split": "per-comment", "forum_engine": spec.platform,
        "first_post_is_article": spec.opening, "article_post": opening, "comments": out,
        "gold_comment_text": "\n".join(c["text"] for c in out), "lines_also_in_article": [],
        "problems": problems,
    }


_FAMILY = re.compile(r"\d+$")
# Dragnet pages that are forum threads showing their opening post alone: negatives (no replies)
FORUM_NEGATIVES = {"dragnet-T97": "vBulletin 3.7 thread page holding its opening post only"}


def forum_pages(args: argparse.Namespace, reserved_hashes: set[str], reserved_urls: set[str],
                stats: Counter[str]) -> list[Candidate]:
    """The forum thread pages of FORUM_PAGES, labelled (see above)."""
    out: list[Candidate] = []
    gits: dict[str, Git] = {}
    for key, (repo, _licence, licence_file, default) in FORUM_REPOS.items():
        gitdir = getattr(args, f"{key}_git", None) or default
        if not Path(gitdir).exists():
            print(f"forums: no {key} clone at {gitdir}: skipped", file=sys.stderr)
            continue
        gits[key] = Git(Path(gitdir))
        (args.out / "LICENSES").mkdir(parents=True, exist_ok=True)
        (args.out / "LICENSES" / f"{repo.split('/')[1]}-{licence_file}").write_bytes(gits[key].show(licence_file))
    for spec in FORUM_PAGES:
        git = gits.get(spec.source)
        if git is None:
            continue
        repo, licence, _, _ = FORUM_REPOS[spec.source]
        raw = git.show(spec.path)
        if spec.source == "harvest":
            gold = json.loads(raw)
            text, charset, charset_source = gold["html"], "utf-8", "harvest JSON (the page as text; stored as UTF-8)"
            url, how = gold["url"].partition("#")[0], "harvest JSON"
        else:
            gold = None
            text, charset, charset_source = decode_html(raw)
        body = text.encode("utf-8") if gold is not None else raw
        if hashlib.sha1(body).hexdigest() in reserved_hashes or "n:" + norm_hash(body) in reserved_hashes:
            stats["excluded: trafilatura test file"] += 1
            continue
        root = parse_html(text)
        if root is None:
            stats[f"forums: {spec.pid} unparsable"] += 1
            continue
        if gold is None:
            url, how = (spec.url, "read off the page's own links") if spec.url else page_url(
                root, f"https://corpus.invalid/{spec.source}/{spec.pid}")
            posts, problems = forum_markup_posts(root, spec, urlsplit(url).hostname)
            kind = "markup"
        else:
            posts, problems = forum_gold_posts(root, gold["gold_standard_annotation"], urlsplit(url).hostname)
            kind = "harvest-gold"
        if url_key(url) in reserved_urls:
            stats["excluded: URL in trafilatura tests"] += 1
            continue
        family = _FAMILY.sub("", spec.platform)
        census = Census(spec.platform, [f"forum engine {spec.platform} (by hand, from its markup)"], [], False, True)
        c = Candidate(spec.pid, spec.path, "", body, text, charset, charset_source, url, how,
                      reg_domain(urlsplit(url).hostname or "") or spec.pid, census, "", None,
                      source_repo=repo, source_commit=git.head, original_repo=None, licence=licence,
                      labels_kind=kind)
        c.forum_label = forum_labels(posts, spec, kind, problems)
        c.forum_family = family
        c.system = f"native:{family}"
        c.system_evidence = f"forum thread page ({spec.platform}){': ' + spec.note if spec.note else ''}"
        stats[f"forums: {family} pages"] += 1
        stats["forums: comments"] += len(c.forum_label["comments"])
        out.append(c)
    return out


# Pages whose gold text has no comment part although the archived HTML shows a thread (checked
# by eye): not negatives, so no parser is told that reading a real comment "invents" one; kept
# as unlabelled pages with a thread (labels: "none").
GOLD_MISSES_THREAD = {
    "dragnet-100": "gold text has no comment part, but the HTML shows 10 reader comments in "
                   "#commentWrapper (checked by eye 2026-12-02): unlabelled",
    "dragnet-R146": "gold text has no comment part, but the HTML shows one comment in Disqus's "
                    "server-rendered #dsq-comments (checked by eye 2026-12-02): unlabelled",
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dragnet-git", type=Path, default=DEFAULTS["dragnet_git"])
    ap.add_argument("--dragnet-orig-git", type=Path, default=DEFAULTS["dragnet_orig_git"])
    ap.add_argument("--trafilatura-git", type=Path, default=DEFAULTS["trafilatura_git"])
    ap.add_argument("--aeb-git", type=Path, default=MIRROR / "scrapinghub+article-extraction-benchmark/repo",
                    help="optional: unlabelled extra pages (see EXTRAS)")
    ap.add_argument("--readability-git", type=Path, default=MIRROR / "mozilla+readability/repo",
                    help="optional: unlabelled extra pages (see EXTRAS)")
    ap.add_argument("--harvest-git", type=Path, default=FORUM_REPOS["harvest"][3],
                    help="optional: forum thread pages with gold posts (see FORUM_PAGES)")
    ap.add_argument("--nettally-git", type=Path, default=FORUM_REPOS["nettally"][3],
                    help="optional: forum thread pages labelled from their markup (see FORUM_PAGES)")
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument("--census", type=Path, help="also write every Dragnet page's analysis (JSON lines) here")
    args = ap.parse_args()

    git = Git(args.dragnet_git)
    orig = Git(args.dragnet_orig_git)
    html_files = git.ls(f"{DRAGNET_DIR}/input")
    gold_files = git.ls(f"{DRAGNET_DIR}/GoldStandard")
    # the mirror's gold files must be Dragnet's own "Corrected" files
    corrected = {}
    with tarfile.open(fileobj=io.BytesIO(orig.show("dragnet_Corrected.tar.gz"))) as tar:
        for m in tar.getmembers():
            if m.isfile() and m.name.endswith(".html.corrected.txt"):
                corrected[Path(m.name).name.removesuffix(".html.corrected.txt")] = hashlib.sha1(tar.extractfile(m).read()).hexdigest()
    print("reserved: hashing adbar/trafilatura tests/ (all history) ...", file=sys.stderr)
    reserved_hashes, reserved_urls = trafilatura_reserved(args.trafilatura_git)
    ids = sorted(p.rsplit("/", 1)[1].removesuffix(".html") for p in html_files if p.endswith(".html"))
    blobs = git.read_many([html_files[f"{DRAGNET_DIR}/input/{i}.html"] for i in ids]
                          + [gold_files[f"{DRAGNET_DIR}/GoldStandard/{i}.txt"] for i in ids])
    cands: list[Candidate] = []
    stats: Counter[str] = Counter()
    census_fh = args.census.open("w") if args.census else None
    for i in ids:
        path, gpath = f"{DRAGNET_DIR}/input/{i}.html", f"{DRAGNET_DIR}/GoldStandard/{i}.txt"
        body, gold = blobs[html_files[path]], blobs[gold_files[gpath]]
        if corrected.get(i) != hashlib.sha1(gold).hexdigest():
            stats["gold differs from seomoz/dragnet_data"] += 1
            continue
        if hashlib.sha1(body).hexdigest() in reserved_hashes or "n:" + norm_hash(body) in reserved_hashes:
            stats["excluded: trafilatura test file"] += 1
            continue
        c = analyse_dragnet(f"dragnet-{i}", path, gpath, body, gold)
        if c is None:
            stats["unparsable"] += 1
            continue
        if c.url_source != "invented" and url_key(c.url) in reserved_urls:
            stats["excluded: URL in trafilatura tests"] += 1
            continue
        stats["comments" if c.gold_comments else "no comments"] += 1
        cands.append(c)
        if census_fh:
            census_fh.write(json.dumps({"id": c.pid, "url": c.url, "site": c.site, "platform": c.census.platform, "embeds": c.census.embeds,
                                        "schema": c.census.schema_comments, "system": c.system, "key": key_of(c),
                                        "has": c.gold_comments is not None, "bytes": len(c.body), "markup_text": c.comment_markup_text,
                                        "split": c.split, "n": len(c.comments)}, ensure_ascii=False) + "\n")
    if census_fh:
        census_fh.close()
    chosen, negatives = select(cands)
    for c in chosen + negatives:
        c.source_commit, c.original_commit = git.head, orig.head
    extras = extra_pages(args, reserved_hashes, reserved_urls, stats)
    forums = forum_pages(args, reserved_hashes, reserved_urls, stats)
    taken = {c.pid for c in chosen + negatives}
    for c in cands:
        if c.pid in FORUM_NEGATIVES and c.pid not in taken and c.gold_comments is None:
            c.source_commit, c.original_commit = git.head, orig.head
            c.system_evidence = FORUM_NEGATIVES[c.pid]
            forums.append(c)
    write_outputs(args.out, chosen + negatives + extras + forums)
    lic = args.out / "LICENSES"
    lic.mkdir(exist_ok=True)
    (lic / "dragnet_data-LICENSE-AGPL-3.0.txt").write_bytes(orig.show("LICENSE"))
    (lic / "dragnet_data-README.md").write_bytes(orig.show("README.md"))
    print(json.dumps(dict(stats), indent=1), file=sys.stderr)
    print(f"chosen {len(chosen)} with comments, {len(negatives)} negatives; "
          f"{sum(c.split.get('split') == 'per-comment' for c in chosen)} split per comment", file=sys.stderr)
    print(Counter(key_of(c) for c in chosen).most_common(), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
