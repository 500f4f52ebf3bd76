"""Discourse: the server-rendered crawler view of topics (2017 markup to current).

A topic is a flat stream of posts: post 1 is the article, posts 2..n its comments, 20 to a page
(`?page=N`, 1-based). The crawler view shows no reply-to relation, so a comment's parent is
known only when it quotes exactly one post of its own topic (`aside.quote[data-post]`).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from lxml import etree
from lxml.html import HtmlElement

from . import titles as titles_of
from .base import ArticleMeta, Comment, Hints, Platform, ThreadParser, absolute, block_text, has_class, utc
from .page import Page

# [/subfolder]/t/{slug}/{topic id}[/{post number}]: a topic, or the view of one of its posts
_TOPIC = re.compile(r"^(?P<topic>(?:/[\w.~-]+)*?/t/[^/]+/(?P<id>\d+))(?:/(?P<post>\d+))?/?$")
_NUMBER = re.compile(r"#?\s*(\d+)")
_FULL_NAME = re.compile(r"^\((.+)\)$", re.DOTALL)  # "(Full Name)" after the username's link
# Forms, accounts, searches and alternative views of what the topic pages already hold.
_TRAP_PATH = re.compile(
    r"^/(?:login|signup|session|auth|u|users|my|raw|search|badges|email|password-reset"
    r"|user-api-key|new-topic|new-message|invites)(?:/|$)|^/t/[^/]+/\d+/print/?$"
)
_TRAP_QUERY = {"order", "ascending", "print", "api_key"}
_POST = has_class("post")
_OUTSIDE = f"[not(ancestor::div[{_POST}])]"  # in a post's header, not quoted in its text
# Comments, post metadata, pagers and "Related topics": everything around the first post's text.
_AROUND = (
    f"//div[{has_class('crawler-post')}][.//span[@itemprop='position']"
    "[translate(normalize-space(.), '#', '') != '1']]"
    f" | //div[{has_class('crawler-post-meta')}] | //div[@itemprop='interactionStatistic']"
    f" | //div[@role='navigation'] | //*[@id='related-topics']"
    f" | //div[{has_class('crawler-linkback-list')}]"
)
_FORUM_POSTING = "contains(@itemtype, 'DiscussionForumPosting')"
# The topic's title as stored: the microdata headline (once in the topic's scope in 3.x, in every
# post in 2.x) and og:title hold it whole, quotes included; then the `<h1>` (the "fancy" title, with
# typographic quotes). Not trafilatura's: on a page whose head names no title it reads JSON-LD,
# HTML-unescapes the whole script first (an escaped `\u0026quot;` anywhere in it turns into a
# bare `"`), and when that no longer parses falls back on `"headline": ?"([^"\\]+)`,
# which ends at the title's first `\"`: 'Scheduled backups to USB drive fail with'.
_HEADLINE = etree.XPath(f"//meta[@itemprop='headline'][ancestor::*[{_FORUM_POSTING}]]/@content")
_H1 = etree.XPath("//*[@id='topic-title']//h1")
# On a page without post 1 the topic's scope names its author (3.x): a child of the scope.
_TOPIC_AUTHOR = etree.XPath(f"//*[{_FORUM_POSTING}]/*[@itemprop='author']")
_AUTHOR = etree.XPath(  # the username; a display name may follow it as "(Full Name)"
    f".//*[@itemprop='author']{_OUTSIDE}//*[@itemprop='name']"
    f" | .//*[@itemprop='author']{_OUTSIDE}[not(.//*[@itemprop='name'])]"
)

_canonical = Hints().canonical_url  # Discourse names its canonical as every platform does


def _page_of(url: str) -> int:
    """Discourse's 1-based `?page=N`; 0 when the URL names none."""
    for key, value in parse_qsl(urlsplit(url).query):
        if key == "page" and value.isdigit():
            return int(value)
    return 0


def _topic_url(url: str) -> str | None:
    """The topic's own URL (no post number, query or fragment), None for other pages."""
    parts = urlsplit(url)
    m = _TOPIC.match(parts.path)
    return urlunsplit((parts.scheme, parts.netloc, m.group("topic"), "", "")) if m else None


def _with_page(topic: str, page: int) -> str:
    return f"{topic}?page={page}" if page > 1 else topic


def _clean(text: str | None) -> str | None:
    return " ".join((text or "").split()) or None


def _posts(page: Page) -> list[tuple[int, HtmlElement]]:
    """(post number, post element) in document order; posts without a number are skipped.
    Once per page: detection, thread pages, permalinks and the parser all ask."""
    if (known := page.memo.get("discourse.posts")) is not None:
        return known
    out: list[tuple[int, HtmlElement]] = []
    seen: set[HtmlElement] = set()  # elements, not getpath(): that is linear per call
    for span in page.tree.xpath("//span[@itemprop='position']"):  # list items use <meta> for it
        boxes = span.xpath(f"ancestor::div[{has_class('crawler-post')}][1]") or span.xpath(
            "ancestor::div[@itemscope][1]")  # before 2019 posts had no crawler-post class
        if not boxes or not boxes[0].xpath(f"./div[{_POST}]"):
            continue
        box, m = boxes[0], _NUMBER.fullmatch(span.text_content().strip())
        anchor = box.get("id") or ""
        if not m or (anchor.startswith("post_") and anchor != f"post_{m.group(1)}"):
            continue  # no number, or two that disagree
        if box not in seen:
            seen.add(box)
            out.append((int(m.group(1)), box))
    page.memo["discourse.posts"] = out
    return out


def _topic(page: Page) -> str | None:
    """The topic's URL, from the canonical (a post's view names its page) or the page URL."""
    if "discourse.topic" not in page.memo:
        candidates = (_canonical(page), page.url)
        page.memo["discourse.topic"] = next(filter(None, map(_topic_url, candidates)), None)
    return page.memo["discourse.topic"]


def _author(element: HtmlElement | None) -> tuple[str | None, str | None]:
    """(username, full name) in a post's header or the topic's author element: the username
    (`itemprop=name`; before 2019 the author element itself), then "(Full Name)" right after
    the link to the user's page when the forum shows names."""
    if element is None:
        return None, None
    if element.get("itemprop") == "author":  # the topic's own author element
        names = element.xpath(".//*[@itemprop='name']") or [element]
    else:
        names = _AUTHOR(element)
    if not names:
        return None, None
    name = names[0]
    user = _clean(name.get("content") if name.tag == "meta" else name.text_content())
    if user is None:
        return None, None
    link = next(name.iterancestors("a"), name)
    m = _FULL_NAME.match((link.tail or "").strip())
    return user, _clean(m.group(1)) if m else None


def _times(box: HtmlElement) -> list[str]:
    return box.xpath(f".//time[@datetime]{_OUTSIDE}/@datetime"
                     f" | .//meta[@itemprop='datePublished']{_OUTSIDE}/@content")


class DiscourseHints(Hints):
    name = "discourse"

    def detect(self, page: Page) -> bool:
        tree, sig = page.tree, page.signals  # a necessary condition first: no full-page XPath elsewhere
        if not (any("Discourse" in g for g in sig.generators)
                or sig.meta_names & {"discourse_theme_id", "discourse_current_homepage"}
                or ("main-outlet" in sig.ids and sig.classes & {"crawler-post", "topic-list"})):
            return False
        generator = tree.xpath("//meta[translate(@name, 'G', 'g')='generator']/@content")
        if any(g.startswith("Discourse") for g in generator):
            return True
        if tree.xpath("//meta[@name='discourse_theme_id' or @name='discourse_current_homepage']"):
            return True
        return bool(tree.xpath(
            f"//*[@id='main-outlet']//div[{has_class('crawler-post')}]"
            f" | //*[@id='main-outlet']//table[{has_class('topic-list')}]"
        ))

    def is_article(self, page: Page) -> bool:
        return bool(_posts(page))

    def article_links(self, page: Page) -> list[str]:
        # Topic lists link each topic, and its last pages when it has several ("page-links").
        hrefs = page.tree.xpath(
            f"//table[{has_class('topic-list')}]//td[{has_class('main-link')}]//a/@href"
            " | //*[@itemprop='itemListElement']//a[@itemprop='item' or @itemprop='url']/@href"
        )
        return [u for u in dict.fromkeys(absolute(page.url, hrefs))
                if _topic_url(u) and not _TOPIC.match(urlsplit(u).path).group("post")]

    def index_pages(self, page: Page) -> list[str]:
        if self.is_article(page):
            return []
        hrefs = page.tree.xpath(
            "//link[@rel='next']/@href | //div[@role='navigation']//a[@rel='next']/@href")
        return list(dict.fromkeys(absolute(page.url, hrefs)))

    def thread_pages(self, page: Page) -> list[str]:
        # The crawler view links only the previous and the next page (head and footer alike).
        topic = _topic(page)
        if topic is None or not self.is_article(page):
            return []
        hrefs = page.tree.xpath(
            "//link[@rel='next' or @rel='prev']/@href"
            " | //div[@role='navigation']//a[@rel='next' or @rel='prev']/@href"
        )
        pages = {self.page_number(page) + 1}
        pages.update(max(_page_of(u), 1) for u in absolute(page.url, hrefs) if _topic_url(u) == topic)
        return [_with_page(topic, p) for p in sorted(pages)]

    def permalinks(self, page: Page) -> list[str]:
        topic = _topic(page)
        return [f"{topic}/{n}" for n, _ in _posts(page) if n > 1] if topic else []

    def is_trap(self, url: str) -> bool:
        parts = urlsplit(url)
        if _TRAP_PATH.search(parts.path):
            return True
        keys = {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
        # `?u=name` is a topic's share link: the same page again under another URL
        return bool(keys & _TRAP_QUERY) or ("u" in keys and _TOPIC.match(parts.path) is not None)

    def permalink_comment_id(self, url: str) -> str | None:
        m = _TOPIC.match(urlsplit(url).path)
        return m.group("post") if m and m.group("post") and int(m.group("post")) > 1 else None

    def article_key(self, page: Page) -> str:
        return _topic(page) or self.canonical_url(page)

    def page_number(self, page: Page) -> int:
        # The canonical names the page, also on a post's own URL (/t/slug/id/N).
        number = _page_of(self.canonical_url(page)) or _page_of(page.url)
        return max(number - 1, 0)


class DiscourseThread(ThreadParser):
    threaded = False  # posts in time order; replies only point back at what they answer
    thread_xpath = _AROUND

    def article(self, page: Page) -> ArticleMeta:
        """The topic's title as stored, never the `<title>` ("topic - category - forum"), and
        its author as the thread names posters: the username, the full name apart."""
        meta = super().article(page)
        titles = [*_HEADLINE(page.tree), page.meta.get("og:title"),
                  *(h.text_content() for h in _H1(page.tree))]
        meta.title = next(filter(None, map(_clean, titles)), None) or titles_of.headline(
            page, from_title=False)  # never the <title>: "topic - category - forum"
        first = next((box for n, box in _posts(page) if n == 1), None)
        if first is not None:
            meta.author, meta.author_name = _author(first)
        else:  # a later page: the topic's scope names its author
            meta.author, meta.author_name = _author(next(iter(_TOPIC_AUTHOR(page.tree)), None))
        if meta.published is None:
            dates = page.tree.xpath(f"//*[{_FORUM_POSTING}]/meta[@itemprop='datePublished']/@content")
            dates += _times(first) if first is not None else []
            meta.published = next(filter(None, map(utc, dates)), None)
        return meta

    def comments_status(self, page: Page) -> str:
        """The crawler view holds a topic's posts (a topic of one post has a real 0); a topic
        URL without them is the JavaScript app's shell, other pages have no thread."""
        if _posts(page):
            return "html"
        return "not_in_html" if _topic_url(page.url) else "none"

    def parse(self, page: Page) -> list[Comment]:
        topic = _topic(page)
        if topic is None:
            return []
        topic_id = _TOPIC.match(urlsplit(topic).path).group("id")
        out: list[Comment] = []
        for order, (number, box) in enumerate(_posts(page)):
            if number == 1:
                continue  # the topic's first post is the article
            body = box.xpath(f"./div[{_POST}]")[0]
            parent, known = self._parent(body, topic_id, number)
            user, full = _author(box)
            out.append(Comment(
                comment_id=str(number),
                parent_id=parent,
                author=user,
                published=next(filter(None, map(utc, _times(box))), None),
                text=self._text(body),
                permalink=f"{topic}/{number}",
                order=order,
                parent_known=known,
                author_name=full,
            ))
        return out

    @staticmethod
    def _parent(body: HtmlElement, topic_id: str, number: int) -> tuple[str | None, bool]:
        """A quote of exactly one post of this topic names the parent; post 1 means top level."""
        quoted: set[int] = set()
        for aside in body.xpath(f".//aside[{has_class('quote')}][@data-post][not(ancestor::aside)]"):
            post, topic = aside.get("data-post", "").strip(), aside.get("data-topic", "").strip()
            if not post.isdigit() or not topic.isdigit():
                return None, False  # a quote that does not say which topic: ambiguous
            if topic == topic_id:
                quoted.add(int(post))
        if len(quoted) != 1 or (parent := quoted.pop()) >= number:
            return None, False
        return (None, True) if parent == 1 else (str(parent), True)

    @staticmethod
    def _text(body: HtmlElement) -> str:
        """Cooked HTML as text: quotes as "> " lines without their "user:" title, emoji as
        their :code:, image size captions dropped."""
        clone = body.__copy__()
        for junk in clone.xpath(
            f".//aside[{has_class('quote')}]/div[{has_class('title')}]"
            f" | .//div[{has_class('lightbox-wrapper')}]//div[{has_class('meta')}]"
            f" | .//div[{has_class('quote-controls')}]"
        ):
            junk.drop_tree()
        for img in clone.xpath(f".//img[{has_class('emoji')}][@alt]"):
            img.tail = img.get("alt", "") + (img.tail or "")
            img.drop_tree()
        for el in clone.xpath(".//aside | .//details | .//summary"):
            el.tag = "div"  # block containers base.block_text does not know
        return block_text(clone)


PLATFORMS = (Platform("discourse", DiscourseHints(), DiscourseThread()),)
