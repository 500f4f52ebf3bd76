"""Discourse: the server-rendered crawler view of topics (2017 markup to current).

A topic is a flat stream of posts: post 1 is the article, posts 2..n its comments, 20 to a page
(`?page=N`, 1-based). The crawler view shows no reply-to relation, so a comment's parent is
known only when it quotes exactly one post of its own topic (`aside.quote[data-post]`).
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit, urlunsplit
from weakref import WeakKeyDictionary

from lxml.html import HtmlElement

from .base import Comment, Platform, absolute, block_text, has_class, signals, utc

# [/subfolder]/t/{slug}/{topic id}[/{post number}]: a topic, or the view of one of its posts
_TOPIC = re.compile(r"^(?P<topic>(?:/[\w.~-]+)*?/t/[^/]+/(?P<id>\d+))(?:/(?P<post>\d+))?/?$")
_NUMBER = re.compile(r"#?\s*(\d+)")
# Forms, accounts, searches and alternative views of what the topic pages already hold.
_TRAP_PATH = re.compile(
    r"^/(?:login|signup|session|auth|u|users|my|raw|search|badges|email|password-reset"
    r"|user-api-key|new-topic|new-message|invites)(?:/|$)|^/t/[^/]+/\d+/print/?$"
)
_TRAP_QUERY = {"order", "ascending", "print", "api_key"}
_POST = has_class("post")
# Comments, post metadata, pagers and "Related topics": everything around the first post's text.
_AROUND = (
    f"//div[{has_class('crawler-post')}][.//span[@itemprop='position']"
    "[translate(normalize-space(.), '#', '') != '1']]"
    f" | //div[{has_class('crawler-post-meta')}] | //div[@itemprop='interactionStatistic']"
    f" | //div[@role='navigation'] | //*[@id='related-topics']"
    f" | //div[{has_class('crawler-linkback-list')}]"
)


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


_POSTS: WeakKeyDictionary[HtmlElement, list[tuple[int, HtmlElement]]] = WeakKeyDictionary()

class Discourse(Platform):
    name = "discourse"
    threaded = False  # posts in time order; replies only point back at what they answer
    thread_xpath = _AROUND

    def detect(self, tree: HtmlElement, url: str) -> bool:
        sig = signals(tree)  # a necessary condition first: no full-page XPath on other sites
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

    def _posts(self, tree: HtmlElement) -> list[tuple[int, HtmlElement]]:
        """(post number, post element) in document order; posts without a number are skipped.
        Once per tree: detection, thread pages, permalinks and the parser all ask."""
        if (known := _POSTS.get(tree)) is not None:
            return known
        out: list[tuple[int, HtmlElement]] = []
        seen: set[HtmlElement] = set()  # elements, not getpath(): that is linear per call
        for span in tree.xpath("//span[@itemprop='position']"):  # list items use <meta> for it
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
        _POSTS[tree] = out
        return out

    def _topic(self, tree: HtmlElement, url: str) -> str | None:
        for candidate in (self.canonical_url(tree, url), url):
            if topic := _topic_url(candidate):
                return topic
        return None

    def is_article(self, tree: HtmlElement, url: str) -> bool:
        return bool(self._posts(tree))

    def article_links(self, tree: HtmlElement, url: str) -> list[str]:
        # Topic lists link each topic, and its last pages when it has several ("page-links").
        hrefs = tree.xpath(
            f"//table[{has_class('topic-list')}]//td[{has_class('main-link')}]//a/@href"
            " | //*[@itemprop='itemListElement']//a[@itemprop='item' or @itemprop='url']/@href"
        )
        return [u for u in dict.fromkeys(absolute(url, hrefs))
                if _topic_url(u) and not _TOPIC.match(urlsplit(u).path).group("post")]

    def index_pages(self, tree: HtmlElement, url: str) -> list[str]:
        if self.is_article(tree, url):
            return []
        hrefs = tree.xpath("//link[@rel='next']/@href | //div[@role='navigation']//a[@rel='next']/@href")
        return list(dict.fromkeys(absolute(url, hrefs)))

    def thread_pages(self, tree: HtmlElement, url: str) -> list[str]:
        # The crawler view links only the previous and the next page (head and footer alike).
        topic = self._topic(tree, url)
        if topic is None or not self.is_article(tree, url):
            return []
        hrefs = tree.xpath(
            "//link[@rel='next' or @rel='prev']/@href"
            " | //div[@role='navigation']//a[@rel='next' or @rel='prev']/@href"
        )
        pages = {self.page_number(tree, url) + 1}
        pages.update(max(_page_of(u), 1) for u in absolute(url, hrefs) if _topic_url(u) == topic)
        return [_with_page(topic, p) for p in sorted(pages)]

    def permalinks(self, tree: HtmlElement, url: str) -> list[str]:
        topic = self._topic(tree, url)
        return [f"{topic}/{n}" for n, _ in self._posts(tree) if n > 1] if topic else []

    def is_trap(self, url: str) -> bool:
        parts = urlsplit(url)
        if _TRAP_PATH.search(parts.path):
            return True
        keys = {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
        # `?u=name` is a topic's share link: the same page again under another URL
        return bool(keys & _TRAP_QUERY) or ("u" in keys and _TOPIC.match(parts.path) is not None)

    # -- comments ------------------------------------------------------------------------------

    def article_key(self, tree: HtmlElement, url: str) -> str:
        return self._topic(tree, url) or self.canonical_url(tree, url)

    def published(self, tree: HtmlElement, url: str) -> datetime | None:
        if found := super().published(tree, url):
            return found
        dates = tree.xpath(
            "//*[contains(@itemtype, 'DiscussionForumPosting')]/meta[@itemprop='datePublished']/@content")
        dates += [t for n, box in self._posts(tree) if n == 1 for t in self._times(box)]
        return next(filter(None, map(utc, dates)), None)

    def comments_status(self, tree: HtmlElement, url: str) -> str:
        return "html"

    def permalink_comment_id(self, url: str) -> str | None:
        m = _TOPIC.match(urlsplit(url).path)
        return m.group("post") if m and m.group("post") and int(m.group("post")) > 1 else None

    def page_number(self, tree: HtmlElement, url: str) -> int:
        # The canonical names the page, also on a post's own URL (/t/slug/id/N).
        page = _page_of(self.canonical_url(tree, url)) or _page_of(url)
        return max(page - 1, 0)

    def parse(self, tree: HtmlElement, url: str) -> list[Comment]:
        topic = self._topic(tree, url)
        if topic is None:
            return []
        topic_id = _TOPIC.match(urlsplit(topic).path).group("id")
        out: list[Comment] = []
        for order, (number, box) in enumerate(self._posts(tree)):
            if number == 1:
                continue  # the topic's first post is the article
            body = box.xpath(f"./div[{_POST}]")[0]
            parent, known = self._parent(body, topic_id, number)
            out.append(Comment(
                comment_id=str(number),
                parent_id=parent,
                author=self._author(box),
                published=next(filter(None, map(utc, self._times(box))), None),
                text=self._text(body),
                permalink=f"{topic}/{number}",
                order=order,
                parent_known=known,
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
    def _author(box: HtmlElement) -> str | None:
        outside = f"[not(ancestor::div[{_POST}])]"
        names = box.xpath(  # the username; a display name may follow it as "(Full Name)"
            f".//*[@itemprop='author']{outside}//*[@itemprop='name']"
            f" | .//*[@itemprop='author']{outside}[not(.//*[@itemprop='name'])]"
        )
        if not names:
            return None
        text = names[0].get("content") if names[0].tag == "meta" else names[0].text_content()
        return " ".join((text or "").split()) or None

    @staticmethod
    def _times(box: HtmlElement) -> list[str]:
        outside = f"[not(ancestor::div[{_POST}])]"
        return box.xpath(f".//time[@datetime]{outside}/@datetime"
                         f" | .//meta[@itemprop='datePublished']{outside}/@content")

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


PLATFORM = Discourse()
