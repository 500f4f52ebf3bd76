"""threadwarc's Scrapy settings: only what differs from Scrapy's defaults."""

BOT_NAME = "threadwarc"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

USER_AGENT = "threadwarc/0.1 (+https://github.com/threadwarc/threadwarc)"

# Politeness. AutoThrottle adapts the delay to the server's latency (slow site: slower
# crawl; loopback: milliseconds), never more than 4 requests at once per site.
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_TIMEOUT = 60
RETRY_TIMES = 2
# A 429/503 with Retry-After pauses the whole site that long, at most this many seconds
# (RetryAfterMiddleware); the site's delay is then raised, and AutoThrottle brings it down.
THREAD_RETRY_AFTER_MAX = 600

# Limits. The spider caps its own walks: THREAD_MAX_THREAD_PAGES hops along a thread's
# pages (HN's "More", Discourse's next page), THREAD_MAX_INDEX_PAGES along an index. Depth
# grows one per hop, so DEPTH_LIMIT only backs those caps up.
THREAD_MAX_THREAD_PAGES = 500
THREAD_MAX_INDEX_PAGES = 20
# On a site no platform knows, discovery pages (section pages, the feeds a page names, the
# sitemaps robots.txt names) are followed at most this many hops from the seed.
THREAD_DISCOVERY_DEPTH = 2
DEPTH_LIMIT = 600
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024  # cut, and the head archived (TruncateOversizeMiddleware)
# A response cut short by the server is archived (WARC-Truncated: disconnect), not dropped.
DOWNLOAD_FAIL_ON_DATALOSS = False

# Only encodings that warcio, pywb and the WARC readers of other tools can decode.
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
    "Accept-Encoding": "gzip, deflate",
}

# Scrapy starts CONCURRENT_ITEMS tasks per response; a focused spider yields few.
CONCURRENT_ITEMS = 8

# The WARC writer sees every exchange at `response_downloaded`, before any middleware.
# The HTTP cache would answer from disk without a download: keep it off.
HTTPCACHE_ENABLED = False
EXTENSIONS = {
    "crawler.extensions.WarcWriterExtension": 0,
    "crawler.extensions.DatasetPublisherExtension": 10,
    "scrapy.extensions.telnet.TelnetConsole": None,
}
# Scrapy's HTTP/1.1 handler, keeping the reason phrase of each status line for the WARC.
DOWNLOAD_HANDLERS = {
    "http": "crawler.handlers.ReasonKeepingHTTP11DownloadHandler",
    "https": "crawler.handlers.ReasonKeepingHTTP11DownloadHandler",
}
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.OffsiteRedirectMiddleware": 50,  # Scrapy's, naming offsite redirects
    "crawler.middlewares.RetryAfterMiddleware": 545,  # next to RetryMiddleware (550)
    "crawler.middlewares.TruncateOversizeMiddleware": 950,
    "crawler.middlewares.BytesInFlightMiddleware": 960,  # the last gate before the download
}
SPIDER_MIDDLEWARES = {
    # outermost: a response is freed when its callback's output is consumed, not at a full GC
    "crawler.middlewares.ResponseReleaseMiddleware": 10,
}

WARC_ENABLED = True
WARC_DIR = "warc"
WARC_MAX_SIZE = 1_000_000_000
WARC_PREFIX = "threadwarc"
WARC_GZIP_LEVEL = 6
WARC_OPERATOR = ""
WARC_DESCRIPTION = ""
# Bodies held by downloads in flight (until the WARC writer has taken them), at most; a
# response that does not fit waits, it is never cut (BytesInFlightMiddleware). 0: unbounded.
WARC_MAX_BYTES_IN_FLIGHT = 256 * 1024 * 1024

# Publishing at the end of a crawl: on when DATASET_DIR is set (-s DATASET_DIR=datasets/x).
DATASET_ENABLED = True
DATASET_DIR = ""
DATASET_SPLITS = "train=0.8,validation=0.1,test=0.1"
DATASET_WORKERS = 0  # extraction processes; 0 = one per core
DATASET_PAGE_TIMEOUT = 30  # seconds before one page's extraction is abandoned
DATASET_MAX_PAGE_BYTES = 20_000_000  # decoded HTML larger than this is skipped

LOG_LEVEL = "INFO"
