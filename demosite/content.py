"""Deterministic content of the demo news site: one seeded RNG, no clock, no hash order."""

# ruff: noqa: RUF001  (the typographic quotes, dashes and CJK commas are the test content)

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

EST = timezone(timedelta(hours=-5), "EST")  # America/New_York; the site's dates are all before DST
COMMENTS_PER_PAGE = 50  # Drupal 7 comment_default_per_page
MAX_DEPTH = 10
PDF_PATH = "/sites/default/files/report-2018.pdf"
OFFSITE_PATH = "/news/2018-02-09/offsite-mirror"
FIRST_CID = 1001

Inline = str | tuple[str, str]  # plain text, or (link text, href)


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph, or a one-paragraph blockquote, as Drupal's filtered HTML would store it."""

    parts: tuple[Inline, ...]
    quote: bool = False

    @property
    def text(self) -> str:
        s = "".join(p if isinstance(p, str) else p[0] for p in self.parts)
        return "> " + s if self.quote else s


def text_of(blocks: tuple[Block, ...]) -> str:
    return "\n".join(b.text for b in blocks)


@dataclass(frozen=True, slots=True)
class User:
    uid: int
    name: str


@dataclass(frozen=True, slots=True)
class Comment:
    cid: int
    pid: int | None
    depth: int
    uid: int  # 0: anonymous, shown as "name (not verified)"
    name: str | None  # None: anonymous without a name, shown as "Anonymous (not verified)"
    created: datetime
    blocks: tuple[Block, ...]
    edited: datetime | None = None
    reply_link: bool = False

    @property
    def text(self) -> str:
        return text_of(self.blocks)


@dataclass(frozen=True, slots=True)
class Article:
    nid: int
    title: str
    slug: str
    author: User
    published: datetime
    section: str
    blocks: tuple[Block, ...]
    comments: tuple[Comment, ...] = ()  # cid order
    role: str = ""  # "", "slow", "legacy" (windows-1252), "chunked"

    @property
    def path(self) -> str:
        return f"/news/{self.published:%Y-%m-%d}/{self.slug}"

    @property
    def modified(self) -> datetime:
        return max([self.published, *(c.created for c in self.comments)])

    @property
    def body_text(self) -> str:
        return text_of(self.blocks)

    def thread(self) -> list[Comment]:
        """Drupal 7 thread order (sorted by vancode): depth first, siblings by cid."""
        children: dict[int | None, list[Comment]] = {}
        for c in self.comments:
            children.setdefault(c.pid, []).append(c)
        out: list[Comment] = []
        stack = list(reversed(children.get(None, [])))
        while stack:
            out.append(c := stack.pop())
            stack.extend(reversed(children.get(c.cid, [])))
        return out

    @property
    def page_count(self) -> int:
        return max(1, -(-len(self.comments) // COMMENTS_PER_PAGE))


@dataclass(frozen=True, slots=True)
class Site:
    name: str
    articles: tuple[Article, ...]  # real 200 articles, oldest first
    users: tuple[User, ...]
    gone: Article  # in the sitemap, answers 404
    broken: Article  # in the sitemap, answers 500
    truncated: Article  # in the sitemap, the connection drops halfway

    @property
    def page_count(self) -> int:
        """Crawlable thread pages: article pages, their ?page=N pages and comment permalinks."""
        return sum(a.page_count + len(a.comments) for a in self.articles)


STAFF = (User(3, "Tyler"), User(5, "Marta Reyes"), User(7, "Sam Okafor"))
HANDLES = (
    "quietriver", "MarketWatcher88", "Old Salt", "desertfox", "Nils_K", "paperboy", "TrueNorth",
    "Gadfly", "ZeroSum", "hedgehog", "Riverbend", "plain_speaker", "SkepticalOne", "cold_brew",
    "Northern Light", "wanderer", "J. Smythe", "lindenbaum", "BackOfTheNapkin", "Ferryman",
    "mapreader", "Granite", "OddLots", "SaltMarsh", "Kestrel", "tin_cup", "Vantage", "LongView",
)
SAY = (
    "Hard to tell what really happened from this report alone.", "Same story, different year.",
    "The timeline in the third paragraph does not add up.", "Good summary, but the sources are thin.",
    "I would wait for the official statement before drawing conclusions.", "It has been building for months.",
    "Nobody seems to be asking who benefits.", "Markets shrugged it off, which says a lot.",
    "The map in the original release shows a different location.", "Thanks for posting the primary source.",
    "That is not what the press release says.", "Interesting how little coverage this got elsewhere.",
    "I read the whole thing twice and still have questions.", "Let's see how this looks in a week.",
    "Fair point, but the numbers were revised later.", "The article could use a correction on the date.",
    "Anyone have a link to the full transcript?", "People on the ground tell a different story.",
    "Diplomacy is slow, but it beats the alternative.", "You are assuming the first reports were accurate.",
    "Exactly my thought when I saw the headline.", "Not sure that follows from anything in the piece.",
)
SAY_1252 = (  # windows-1252 can encode all of these
    "The café on Main Street already charges €4.50 – and that’s before the tax.",
    "Jürgen’s “forecast” was right last year, too.", "Déjà vu: the same naïve optimism as in 2008…",
    "Prices in Zürich rose 3½% – not exactly a “crisis”.",
    "Señor Muñoz says the euro–dollar rate is the only thing that matters.",
)
REPORT = (
    "Officials said a fuller account would be published once the review was complete.",
    "Analysts cautioned that the early figures were preliminary and could be revised.",
    "A spokesperson declined to comment on the timing of the announcement.",
    "Trading volumes were thin ahead of the holiday weekend.",
    "Local authorities said schools and offices would reopen on Monday.",
    "The agency's statement did not say how many people were affected.",
    "Several independent observers questioned the methodology used in the survey.",
    "Negotiators are expected to meet again before the end of the month.",
    "The ministry said the measures were temporary and would be reviewed in the spring.",
    "Industry groups welcomed the decision but asked for more detail on enforcement.",
)
SUBJECTS = ("Oil Prices", "Regional Lenders", "Port Authorities", "Grain Exporters", "Rail Unions",
            "Coastal Towns", "Bond Traders", "Shipping Firms", "Power Utilities", "City Councils")
PREDICATES = ("Brace for Tighter Rules", "Report Slower Growth", "Weigh New Tariffs",
              "Face Questions Over Delays", "Ask for Emergency Funds", "Cut Forecasts Again",
              "Sign Interim Deal", "Warn of Winter Shortages", "Push Back on Audit")
FIXED = (  # title, section, staff index, body paragraphs
    ("US-Led Coalition Strikes Pro-Government Forces in Eastern Syria After Attack on Allied Headquarters",
     "world", 0, (
        "The US-led coalition said it carried out several defensive air strikes on Wednesday against "
        "pro-government forces in eastern Syria, after what it described as an unprovoked attack on a "
        "headquarters used by allied local fighters.",
        "Coalition officials said the strikes took place a few kilometres east of the river and that no "
        "coalition personnel were hurt. They did not give a casualty figure for the forces that were hit.",
        "The government in Damascus called the strikes a violation of its sovereignty and asked the United "
        "Nations Security Council to hold an emergency session.",
        "The incident follows reports of separate overnight strikes near the capital, which a military "
        "statement said had mostly been intercepted by air defences.",
        "Diplomats in the region said the two events were unrelated, though both are likely to complicate "
        "talks on a ceasefire that had been scheduled for later this month.",
    )),
    ("Oil Slides as U.S. Inventories Build for a Third Week", "markets", 1, REPORT[1::3]),
    ("Café Owners in Zürich Brace for the Euro’s Climb", "markets", 2, (
        "Café owners in Zürich say a stronger euro – now above €1.17 – is squeezing their margins.",
        "“We have raised prices twice since autumn,” said Jürgen Müller, who runs a small café near the "
        "lake. “Customers notice every centime.”",
        "The Swiss franc’s moves have been modest, analysts say, but for businesses that buy in euros and "
        "sell in francs the effect is déjà vu of 2011.",
    )),
    ("Ceasefire Talks Resume in Geneva With a Narrow Agenda", "world", 1, REPORT[::2]),
    ("Central Bank Holds Rates, Signals Patience on Inflation", "markets", 2, REPORT[2::2]),
    ("Winter Storm Disrupts Shipping Across the Baltic", "world", 0, REPORT[::3]),
)
ROLES = ("", "chunked", "legacy", "slow")  # by article index; index 3 has no comments
STOP_WORDS = frozenset("a an as at before but by for from is in into like of off on onto per since "
                       "than the this that to up via with".split())  # pathauto's default ignore list


def slugify(title: str) -> str:
    """Pathauto: transliterate, drop apostrophes, periods and ignored words, join with dashes."""
    ascii_ = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", re.sub(r"['’.]", "", ascii_.lower()))
    return "-".join(w for w in words if w not in STOP_WORDS)[:100]


def build_site(articles: int = 6, comments_scale: int = 1, seed: int = 2018) -> Site:
    """The same arguments always give the same site, down to the byte."""
    if articles < len(ROLES):
        raise ValueError(f"articles must be >= {len(ROLES)}, got {articles!r}")
    rng = random.Random(seed)
    users = tuple(User(10 + 7 * i + rng.randint(0, 6), n) for i, n in enumerate(HANDLES))
    start = datetime(2018, 2, 7, 21, 30, tzinfo=EST)
    step = 13 * 24 * 60 // max(articles - 1, 1)
    nid, heads, slugs = 611230, [], set()
    for i in range(articles):
        if i < len(FIXED):
            title, section, staff, paras = FIXED[i]
        else:
            title = f"{rng.choice(SUBJECTS)} {rng.choice(PREDICATES)}"
            section, staff = rng.choice(("world", "markets")), rng.randrange(len(STAFF))
            paras = tuple(" ".join(rng.sample(REPORT, 2)) for _ in range(rng.randint(3, 6)))
        published = start if i == 0 else start + timedelta(minutes=i * step + rng.randint(0, 90))
        slug = base = slugify(title)
        while (published.date(), slug) in slugs:  # pathauto's "-0", "-1" suffixes
            slug = f"{base}-{len([k for k in slugs if k[1].startswith(base)]) - 1}"
        slugs.add((published.date(), slug))
        nid += rng.randint(1, 9)
        blocks = tuple(Block((p,)) for p in paras)
        heads.append(Article(nid, title, slug, STAFF[staff], published, section, blocks,
                             role=ROLES[i] if i < len(ROLES) else ""))
    first = heads[0]
    heads[0] = replace(first, blocks=(*first.blocks, Block((
        "The coalition's assessment is summarised in ",
        ("a 12-page report (PDF)", PDF_PATH), ", which also covers AT&T's emergency network."))))
    counts = (rng.randint(140, 160), rng.randint(40, 60), rng.randint(20, 35), 0,
              rng.randint(5, 20), rng.randint(30, 55))  # bench-size articles beyond these six
    cid, out = FIRST_CID, []
    for i, a in enumerate(heads):
        n = counts[i] if i < len(counts) else rng.randint(150, 230)
        cm = _comments(rng, a, heads, n * comments_scale, cid, users, features=i == 0)
        out.append(replace(a, comments=cm))
        cid += len(cm)

    def stub(slug: str, day: int, title: str) -> Article:
        when = datetime(2018, 2, day, 9, 15, tzinfo=EST)
        return Article(nid + 9000 + day, title, slug, STAFF[1], when, "world",
                       tuple(Block((" ".join(rng.sample(REPORT, 3)),)) for _ in range(12)))
    trunc = stub("analysis-grain-exports-long-read", 12, "Analysis: Grain Exports, the Long Read")
    trunc = replace(trunc, comments=_comments(rng, trunc, heads, 12, cid, users, features=False))
    return Site("The Demo Herald", tuple(out), users + STAFF,
                stub("retracted-report-port-closures", 10, "Retracted: Report on Port Closures"),
                stub("live-updates-election-night", 11, "Live Updates: Election Night"), trunc)


def _comments(rng: random.Random, a: Article, heads: list[Article], n: int, cid: int,
              users: tuple[User, ...], *, features: bool) -> tuple[Comment, ...]:
    """Random parents biased to recent comments (deep chains); article 1 gets every oddity."""
    pool = SAY + SAY_1252 if a.role == "legacy" else SAY
    forced = {i: i - 1 for i in (1, 2, 3, 4, 5, 6, 7, 12)} | {31: 30, 32: 30, 33: 32} if features else {}
    out: list[Comment] = []
    when = a.published
    for i in range(n):
        when += timedelta(minutes=rng.randint(1, max(2, 5760 // n)))
        parent = out[forced[i]] if i in forced else None
        if parent is None and out and rng.random() < 0.7:
            parent = rng.choice(out[-5:])
        while parent and parent.depth >= MAX_DEPTH:
            parent = next(p for p in out if p.cid == parent.pid)
        blocks = tuple(Block((" ".join(rng.sample(pool, rng.randint(1, 3))),))
                       for _ in range(rng.choices((1, 2, 3), (75, 18, 7))[0]))
        uid, name = (0, f"Guest{rng.randint(100, 999)}") if rng.random() < 0.12 else (
            (u := rng.choice(users)).uid, u.name)
        c = Comment(cid + i, parent.cid if parent else None, parent.depth + 1 if parent else 0, uid, name,
                    when, blocks, reply_link=rng.random() < 0.1)
        out.append(_feature(i, c, parent, heads) if features else c)
    return tuple(out)


def _feature(i: int, c: Comment, parent: Comment | None, heads: list[Article]) -> Comment:
    """The oddities a comment parser must survive, at fixed positions of article 1's thread."""
    url, other = "https://example.com/reports/2018/eastern-syria-strikes", heads[min(4, len(heads) - 1)]
    quoted = next((b.text for b in parent.blocks if not b.quote), "") if parent else ""
    blocks = {
        3: (Block((c.blocks[0].text + " 🚀😀",)), *c.blocks[1:]),
        5: (Block(("中文评论，测试。",)), *c.blocks),
        8: (Block(("أعتقد أن التقرير متوازن إلى حد ما.",)),),
        9: (Block(("אני מסכים עם רוב מה שנכתב כאן.",)), *c.blocks),
        12: (Block((quoted,), quote=True), *c.blocks),
        15: (Block(("The earlier piece on ", ("rates and inflation", other.path), " said the same.")),),
        16: (Block(("Full data set here: ", (url, url), " (scroll to the tables).")),),
        20: (Block(("Three points.",)), Block(("First, the location.",)),
             Block(("Second, the timing. Third, who benefits.",))),
        30: (Block(("This comment has been deleted.",)),),
        45: (Block(("Rule of thumb: if cost < benefit & risk > 0, go ahead. AT&T said so.",)),),
        50: (Block(("Click the Permalink under my name and reply there if you want the sources.",)),),
    }.get(i, c.blocks)
    if i == 25:
        return replace(c, edited=c.created + timedelta(minutes=83))
    if i in (30, 40):  # deleted, and anonymous without a name
        return replace(c, blocks=blocks, uid=0, name=None)
    return replace(c, blocks=blocks)


def grown(site: Site, which: Iterable[int], extra: int) -> Site:
    """The site later: articles `which` gain `extra` comments each, posted after every earlier
    one (new ids, a later Last-Modified); one in three replies to an old comment, so it lands
    mid-thread. What scheduled crawls see of a thread that keeps growing (tests, bench)."""
    top = max(c.cid for a in (*site.articles, site.truncated) for c in a.comments)
    articles = list(site.articles)
    for i in which:
        a = articles[i]
        old = [c for c in a.comments if c.depth < MAX_DEPTH]
        new: list[Comment] = []
        for k in range(extra):
            top += 1
            parent = old[(k * 7) % len(old)] if k % 3 == 0 else None
            new.append(Comment(top, parent.cid if parent else None, parent.depth + 1 if parent else 0,
                               0, f"Latecomer{k}", a.modified + timedelta(minutes=k + 1),
                               (Block((f"A late comment, number {k}.",)),)))
        articles[i] = replace(a, comments=(*a.comments, *new))
    return replace(site, articles=tuple(articles))
