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
