"""An article's own headline: what the page states, checked against what else it states, with
the site's name cut off its ends ("Headline | SiteName.de", "Opinion | Headline - Site").

Sites write their name into every title source: `<title>`, og:title, even JSON-LD headlines
(SEO plugins), and some h1s are the site's logo or a section name. A source is taken when
another agrees with it; the site's name is known from og:site_name, application-name, the
JSON-LD publisher or WebSite, and the host's own labels.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from .page import Page

_SEP = re.compile("(\\s+(?:\\||-|\u2013|\u2014|::|\u00b7|\u00bb|\u2022|/|~)\\s+)")  # kept: parts rejoin
_ENDS = " \t\n|:\u00b7\u00bb-\u2013\u2014"  # stripped from both ends of a title (no regex)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+\d*);", re.I)
_MAX_PARTS = 12  # of a <title> compared part by part (a title of 400 parts is no headline)
_SITE_TYPES = {"WebSite", "Organization", "NewsMediaOrganization"}


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def loose(text: str | None) -> str:
    """For comparing: case, spaces, punctuation and quote styles aside."""
    text = unicodedata.normalize("NFKC", _norm(text))
    return re.sub(r"[\W_]+", "", text.casefold())


def plain(text: str | None) -> str | None:
    """A title as text: entities some sources leave escaped (`&#8216;`, `&quot;`) decoded."""
    if text is None:
        return None
    return _norm(html.unescape(text) if _ENTITY.search(text) else text) or None


def site_names(page: Page) -> frozenset[str]:
    """Loose forms of the names the page gives its site, and the host's labels."""
    from .page import schema_types

    names = {page.meta.get("og:site_name"), page.meta.get("application-name")}
    for node in page.jsonld:
        if schema_types(node.get("@type")) & _SITE_TYPES and isinstance(node.get("name"), str):
            names.add(node["name"])
        publisher = node.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            names.add(publisher["name"])
    # a site's name is short: a "publisher" named with the headline (seen on real pages) is not
    short = (n for n in names if isinstance(n, str) and len(n.split()) <= 5)
    return frozenset({n for n in map(loose, short) if n} | _host_name(page.url))


def _host_name(url: str) -> set[str]:
    """The host's own name: `bbc` of news.bbc.co.uk, `zeitung` of www.zeitung.example (the
    label before the public suffix, guessed without a suffix list: a 2-3 letter label before
    a 2 letter one is a second-level suffix such as co.uk). Never `news`, `blog`, `www2`."""
    try:
        labels = (urlsplit(url).hostname or "").split(".")
    except ValueError:
        return set()
    if len(labels) < 2 or labels[-1].isdigit():  # no name in an IP address
        return set()
    tld = labels.pop()
    if len(labels) >= 2 and len(tld) == 2 and len(labels[-1]) <= 3:
        labels.pop()  # co.uk, com.au, or.jp
    return {loose(labels[-1])} if labels and len(labels[-1]) >= 3 else set()


def _is_site(part: str, names: frozenset[str]) -> bool:
    found = loose(part)
    if not found or len(part.split()) > 4:
        return False
    return any(found == n or (len(n) >= 4 and (n in found or found in n)) for n in names)


def without_site(title: str | None, names: frozenset[str]) -> str | None:
    """`title` without the separated parts at either end that name the site; None when
    nothing else is left (a title that is only the site's name names no article)."""
    title = plain(title)
    if not title:
        return title
    text = title.strip(_ENDS) or title
    pieces = _SEP.split(text)  # text, separator, text, ...
    while len(pieces) >= 3 and _is_site(pieces[-1], names):
        pieces = pieces[:-2]
    while len(pieces) >= 3 and _is_site(pieces[0], names):
        pieces = pieces[2:]
    if len(pieces) == 1 and loose(pieces[0]) in names:  # exactly the site's name, nothing else
        return None
    return "".join(pieces).strip() or None


def _plus_part(longer: str, shorter: str) -> bool:
    """`longer` is `shorter` and a shorter extra part beside it ("Opinion | ...", "... | author")."""
    parts = _SEP.split(longer)[::2]
    if len(parts) < 2:
        return False
    head, tail = loose(" ".join(parts[:-1])), loose(parts[-1])
    first, rest = loose(parts[0]), loose(" ".join(parts[1:]))
    short = loose(shorter)
    return (head == short and len(tail) < len(short)) or (rest == short and len(first) < len(short))


def _title_part(candidate: str, title: str) -> bool:
    """`candidate` starts the `<title>`, or is one or more of its whole separated parts."""
    wanted, parts = loose(candidate), _SEP.split(title)[::2][:_MAX_PARTS]
    if not wanted:
        return False
    if loose(title).startswith(wanted):
        return True
    return any(loose(" ".join(parts[i:j])) == wanted
               for i in range(len(parts)) for j in range(i + 1, len(parts) + 1))


def headline(page: Page, *, from_title: bool = True) -> str | None:
    """The article's headline: a statement made for the page (JSON-LD headline, og:title,
    twitter:title) that the `<title>` or an h1 agrees with; else an h1 the `<title>` names;
    else the part of the `<title>` an h2/h3 shows; else the `<title>` without the site's name
    where it is known (trafilatura's own title would take a logo h1 over it), unless
    `from_title` is False; a page without a `<title>`: its one h1."""
    from .page import ARTICLE_TYPES, schema_types

    names = site_names(page)
    found = page.tree.find(".//title")
    title = _norm(found.text_content()) if found is not None else ""
    h1s = list(dict.fromkeys(h for h in (_norm(x.text_content()) for x in page.tree.iter("h1")) if h))
    stated = [node["headline"] for node in page.jsonld
              if schema_types(node.get("@type")) & ARTICLE_TYPES and isinstance(node.get("headline"), str)]
    stated += [page.meta[key] for key in ("og:title", "twitter:title") if page.meta.get(key)]
    stated = [s for s in (without_site(s, names) for s in stated) if s]
    h1s = [plain(h) or h for h in h1s]
    short = loose(without_site(title, names))  # a <title> may shorten the h1 ("SEO titles")
    agreed = [h for h in h1s if not _is_site(h, names) and loose(h) and (
        _title_part(h, title) or (len(short) >= 10 and short in loose(h))
        or any(loose(h) == loose(s) or _plus_part(s, h) for s in stated))]
    best = max(agreed, key=len, default=None)
    whole = loose(title)
    for s in stated:
        if best and _plus_part(s, best):
            return best
        if loose(s) and (loose(s) in whole or any(loose(s) == loose(h) for h in h1s)):
            return s
    if best:
        return best
    if stated:
        return stated[0]
    if not title:
        return h1s[0] if len(h1s) == 1 else None
    if not from_title:
        return None
    # a part of the <title> the page shows as a heading (a theme printing the title in an h2)
    headings = {loose(h.text_content()) for h in page.tree.iter("h2", "h3")} - {""}
    parts = [p for p in _SEP.split(title)[::2] if loose(p) in headings and not _is_site(p, names)]
    if parts:
        return plain(max(parts, key=len))
    # nothing agrees: the <title>, less the site's known name; a <title> that is only the
    # site's name: the page's one h1
    return without_site(title, names) or (h1s[0] if len(h1s) == 1 else None)
