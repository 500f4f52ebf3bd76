"""The public suffix list comes from tldextract's bundled snapshot: no crawl asks the network for it.

Scrapy's cookies middleware asks tldextract whether each cookie's domain is a public suffix;
by default tldextract then downloads the list (publicsuffix.org, then GitHub) on first use, and
offline each URL tried costs a WARNING and a long traceback (~90 lines in all) before it uses its
bundled snapshot anyway. tldextract (5.4) reads `TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS` whenever
an extractor is made, Scrapy's when scrapy.downloadermiddlewares.cookies is imported, the
module's default (surt's) when tldextract is: empty, it makes no HTTP request and uses the
snapshot (cached in its usual cache folder). An operator who wants a fresher list sets the
variable (URLs, or a local copy of public_suffix_list.dat); that choice is kept.

crawler/requisites.py builds its own extractor with `suffix_list_urls=()`. courlan (and so
trafilatura) uses the `tld` package, which reads the copy it ships and fetches only if that
file is missing.
"""

from __future__ import annotations

import os

SUFFIX_LIST_URLS = "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"


def use_bundled_suffix_list() -> None:
    """Before any tldextract extractor is made: crawler/settings.py calls it, the first of our
    modules any Scrapy process (scrapy, threadwarc, scrapyd's runner) imports."""
    os.environ.setdefault(SUFFIX_LIST_URLS, "")
