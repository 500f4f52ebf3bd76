"""The published schemas: explicit, so every shard and every publish has the same types."""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")

PROVENANCE = [
    pa.field("warc_file", pa.string()),
    pa.field("warc_offset", pa.int64()),
    pa.field("warc_length", pa.int64()),
    pa.field("warc_record_id", pa.string()),
    pa.field("fetch_time", TS),
]

COMMENT_FIELDS = [
    pa.field("comment_id", pa.string()),
    pa.field("parent_id", pa.string()),
    pa.field("author", pa.string()),
    pa.field("author_name", pa.string()),
    pa.field("published", TS),
    pa.field("text", pa.string()),
    pa.field("permalink", pa.string()),
    pa.field("depth", pa.int32()),
    pa.field("position", pa.int32()),
    pa.field("page", pa.int32()),
    pa.field("page_url", pa.string()),
    pa.field("confidence", pa.string()),
    pa.field("first_seen", TS),
    pa.field("last_seen", TS),
    pa.field("removed_at", TS),
    pa.field("first_crawl", pa.string()),
    pa.field("last_crawl", pa.string()),
]

ARTICLES_SCHEMA = pa.schema([
    pa.field("article_id", pa.string()),
    pa.field("url", pa.string()),
    pa.field("canonical_url", pa.string()),
    pa.field("title", pa.string()),
    pa.field("author", pa.string()),
    pa.field("author_name", pa.string()),
    pa.field("published", TS),
    pa.field("date", pa.string()),
    pa.field("site_name", pa.string()),
    pa.field("hostname", pa.string()),
    pa.field("language", pa.string()),
    pa.field("description", pa.string()),
    pa.field("text", pa.string()),
    pa.field("platform", pa.string()),
    pa.field("comments_status", pa.string()),
    pa.field("comment_count", pa.int32()),
    pa.field("thread_pages", pa.int32()),
    pa.field("first_seen", TS),
    pa.field("last_seen", TS),
    pa.field("first_crawl", pa.string()),
    pa.field("last_crawl", pa.string()),
    pa.field("comments", pa.list_(pa.struct([*COMMENT_FIELDS, *PROVENANCE]))),
    *PROVENANCE,
])

COMMENTS_SCHEMA = pa.schema([
    pa.field("article_id", pa.string()),
    pa.field("article_url", pa.string()),
    *COMMENT_FIELDS,
    *PROVENANCE,
])

SCHEMAS = {"articles": ARTICLES_SCHEMA, "comments": COMMENTS_SCHEMA}


def statistics_columns(schema: pa.Schema) -> list[str]:
    """Parquet column paths that get min/max statistics: all but the long texts, whose
    statistics would only fatten every row group's footer entry."""
    out: list[str] = []
    for f in schema:
        if pa.types.is_list(f.type) and pa.types.is_struct(f.type.value_type):
            out += [f"{f.name}.list.element.{sub.name}" for sub in f.type.value_type
                    if sub.name not in LONG_TEXT]
        elif f.name not in LONG_TEXT:
            out.append(f.name)
    return out


LONG_TEXT = {"text", "description"}
STATISTICS = {name: statistics_columns(schema) for name, schema in SCHEMAS.items()}

# -- what each column means, and when it is null ---------------------------------------------
# (meaning, null semantics); `comments` columns also describe the articles' nested `comments`.
_PROVENANCE_DOCS = {
    "warc_file": ("name of the WARC file holding the record the row was read from",
                  "never"),
    "warc_offset": ("byte offset of that record in the file: seek there and warcio reads it",
                    "never"),
    "warc_length": ("length of the record in the file, compressed", "never"),
    "warc_record_id": ("WARC-Record-ID of that record",
                       "ARC files (no record ids) and records without one"),
    "fetch_time": ("WARC-Date of that record: when the page was fetched (for a `revisit` record, "
                   "the revisit's: the page was read from the record it refers to)",
                   "a WARC-Date that does not parse"),
}
_SEEN_DOCS = {
    "first_seen": ("fetch time of the first capture that showed it (any crawl in the archive)",
                   "no capture has a readable WARC-Date"),
    "last_seen": ("fetch time of the last capture that showed it", "as `first_seen`"),
    "first_crawl": ("the crawl of its first capture: the warcinfo `crawl-id`, else threadwarc's run "
                    "(`PREFIX-STAMP-HOST` of the run's first WARC file), else the WARC file's name",
                    "never in a publish"),
    "last_crawl": ("the crawl of its last capture (same naming)", "never in a publish"),
}
COMMENT_DOCS = {
    "article_id": ("`article_id` of the comment's article (join key)", "never"),
    "article_url": ("`canonical_url` of the comment's article", "never"),
    "comment_id": ("the platform's own comment id (generic fallback: the variable part of the block's "
                   "id, or `h` + a digest of author and text for a block without one)", "never"),
    "parent_id": ("`comment_id` of the comment replied to (how each platform knows it: see *Parents "
                  "per platform*)", "a top-level comment (`depth` 0) or a reply whose parent the page "
                  "does not name (`depth` null)"),
    "author": ("the author as the platform names its users (the username where it has one)",
               "the page shows no name (anonymous, deleted)"),
    "author_name": ("a full name the platform shows beside the username", "everywhere but Discourse "
                    "and platforms that show one"),
    "published": ("when it was posted, UTC", "the page states no machine-readable time with a "
                  "timezone (see *Parents per platform*: some platforms never do)"),
    "text": ("comment text: a line per paragraph, quotes as `> ` lines, no Permalink/Reply "
             "boilerplate; placeholders (`[deleted]`) as the platform shows them", "never"),
    "permalink": ("URL of the comment's own page or anchor, as the platform links it",
                  "the platform shows no link to the comment"),
    "depth": ("0 for top level, 1 for a reply to it, ...: counted along the `parent_id` chain",
              "a link of the chain is unknown (the page does not name the parent) or not in the "
              "archive (its page was not fetched, or it was deleted before the crawl), or loops"),
    "position": ("0-based order in the thread: the depth-first walk of the reply tree on threaded "
                 "platforms, post order on flat ones (forums, Discourse)", "never"),
    "page": ("0-based thread page the comment was read from", "never"),
    "page_url": ("URL of that page", "never"),
    "confidence": ("`high`: a platform's parser read it; `low`: the generic fallback (repeated "
                   "comment blocks, also on a known platform's page whose theme its parser does "
                   "not read)", "never"),
    **_SEEN_DOCS,
    "removed_at": ("fetch time of the first capture, after it was last seen, of the thread page it "
                   "was last seen on that no longer shows it (deleted, or moved to a page not "
                   "fetched again)", "still shown, or that page was not fetched again"),
    **_PROVENANCE_DOCS,
}
ARTICLE_DOCS = {
    "article_id": ("stable id: the first 16 hex digits of sha1(`canonical_url`)", "never"),
    "url": ("URL of the archived page the article's fields were read from", "never"),
    "canonical_url": ("the article's canonical URL: every page of its thread shares it (a canonical "
                      "on another host is ignored)", "never"),
    "title": ("the article's own headline (the platform's title, JSON-LD `headline`, `og:title`, "
              "the page's one `h1`), never the `<title>` with the site's name",
              "the page states no headline"),
    "author": ("the byline as the platform names its users (the username where it has one: the "
               "same rule as for comment authors; a story's submitter on Hacker News and Reddit)",
               "no byline"),
    "author_name": ("a full name the platform shows beside the username (Discourse)",
                    "elsewhere"),
    "published": ("publication time, UTC, from the page's metadata",
                  "the page states no time with a timezone (see `date`)"),
    "date": ("publication date `YYYY-MM-DD` found by trafilatura/htmldate (the fetch date as upper "
             "bound)", "no date found"),
    "site_name": ("the site's name as the page states it (`og:site_name`, the platform's)",
                  "not stated"),
    "hostname": ("host of `canonical_url`, lower case, without port", "never"),
    "language": ("the language the page declares (`<html lang>`, meta), as trafilatura reads it",
                 "not declared"),
    "description": ("the page's description (`og:description`, meta description)", "none"),
    "text": ("article body by trafilatura (comments and the platform's thread pruned), a line "
             "per paragraph", "no main text found (counted as `articles_without_body`)"),
    "platform": ("the parser that read the thread (see *Parents per platform*); `generic` when no "
                 "platform recognised the page", "never"),
    "comments_status": ("why the article has the comment rows it has: `html` (the thread was in "
                        "the archived pages: `comment_count` is real, 0 included); `not_in_html` "
                        "(a script loads it: Disqus, Coral, ...; count unknown); `unparsed` (the "
                        "page may hold a thread no parser reads: no rows rather than wrong ones); "
                        "`none` (the page has no comment section)", "never"),
    "comment_count": ("number of comment rows of the article (= `len(comments)`); the thread's "
                      "real size only when `comments_status` is `html`", "never"),
    "thread_pages": ("number of thread pages archived (`?page=N` pages, continuation pages)",
                     "never"),
    **_SEEN_DOCS,
    "comments": ("the article's comments, in thread order, with the `comments` config's columns "
                 "(without `article_id`/`article_url`)", "never: an empty list"),
    **_PROVENANCE_DOCS,
}
DOCS = {"articles": ARTICLE_DOCS, "comments": COMMENT_DOCS}

# How each platform knows a comment's parent, what an unknown parent (`parent_id` and `depth`
# null) means there, and when its comments' `published` is null. By `platform` value.
_FORUMS = ("flat posts: the parent is known only when a post quotes exactly one post and the quote "
           "names it; a post that quotes nothing (or the opening post) is top level (`depth` 0: "
           "here it means *not a quoted reply*, not *a new sub-thread*)")
PLATFORM_NOTES: dict[str, tuple[str, str]] = {  # platform -> (parents, published)
    "drupal7": ("nesting (`div.indented`) or RDF `sioc:reply_of`; unknown: the first replies on a "
                "later `?page=N` page of a theme without the RDF module (their parent is on an "
                "earlier page)", "RDF `dc:date` or `<time datetime>` only: null on themes showing "
                "only a local date"),
    "drupal8": ("RDF/schema.org `parentItem`, the *In reply to* box or nesting; unknown: a reply on "
                "a later page that names no parent", "`schema:dateCreated` or `<time datetime>` "
                "only (`data-comment-timestamp` is the last change, not used)"),
    "wordpress": ("nesting in `.children`; unknown: comments listed flat after a parent at the "
                  "`thread_comments_depth` limit, where further replies and siblings cannot be "
                  "told apart", "`<time datetime>` (HTML5 walker) only: null on older themes"),
    "disqus": ("nesting of the server-rendered fallback (`ul.children`)", "never stated: null"),
    "livefyre": ("`reply_parent` (v1) or nesting (v3)", "no timezone in its markup: null"),
    "intensedebate": ("as WordPress (its fallback is the WordPress template)", "as WordPress"),
    "discourse": ("flat posts: the parent is known only when a post quotes exactly one earlier "
                  "post of its topic (quoting post 1, the article, is top level); a post quoting "
                  "none or several has an **unknown** parent (`depth` null), not a top-level one",
                  "`<time datetime>`/`datePublished` of the post"),
    "hackernews": ("the row's *parent* link, else indentation; unknown: the first replies on a "
                   "continuation page (*More*) whose parent is on an earlier page",
                   "the `age` title (always stated)"),
    "oldreddit": ("nesting in `div.child`; unknown: replies to a deleted comment (reddit gives it no "
                  "id, and it has no row) and a permalink page's top comment whose parent button "
                  "is missing", "`<time datetime>` (always stated)"),
    "blogger": ("one level of nesting: deeper replies appear under the thread's first comment, "
                "which is their `parent_id` (the real parent is only in a script), so `depth` is "
                "at most 1", "the permalink's `showComment` milliseconds (always stated)"),
    "typepad": ("a *replied to* / *in reply to* link to another comment's anchor, else nesting; "
                "unknown: a `comment-reply` naming no parent", "`abbr.published` title or `<time "
                "datetime>` only (templates print local dates): often null"),
    "movabletype": ("as TypePad", "as TypePad"),
    "schemaorg": ("JSON-LD/microdata `parentItem`, else nesting; unknown: a reference that matches "
                  "no comment of the page or the article", "`dateCreated`/`datePublished` with a "
                  "timezone only"),
    "generic": ("nesting of the repeated comment blocks only (rows have `confidence` low); a block "
                "not nested in another is top level", "machine-readable times with a timezone "
                "only (`<time datetime>`, ISO titles, epoch attributes)"),
    **dict.fromkeys(("xenforo", "vbulletin", "phpbb", "invision", "smf", "vanilla"), (
        _FORUMS, "XenForo, Invision, Vanilla and phpBB 3.3 state it; vBulletin, older phpBB, SMF "
        "and XenForo 1 print local text only: null")),
}
PARENT_NOT_ARCHIVED = ("On every platform, `parent_id` set with `depth` null means the parent is "
                       "not in the archive: its page was not fetched, or it was deleted before the "
                       "crawl.")
