"""threadwarc's Scrapy settings: only what differs from Scrapy's defaults."""

from scrapy.settings import default_settings as _scrapy_defaults

from crawler.offline import use_bundled_suffix_list

# tldextract (Scrapy's cookies middleware) uses its bundled public suffix list, never the network
use_bundled_suffix_list()

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
# Threads that keep growing: a crawl state beside the archive (THREAD_STATE, default
# <WARC_DIR>/threadwarc-state.sqlite3) remembers each article; a later run into the same
# WARC_DIR re-visits it (its thread pages and only its new permalinks) no earlier than these
# intervals after its first capture, then never again. THREAD_REVISIT = False: no state.
THREAD_REVISIT = True
THREAD_STATE = ""
THREAD_REVISIT_SCHEDULE = "1h,6h,1d,3d,7d"
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
    "crawler.progress.ProgressLog": 20,  # replaces LogStats' "Crawled N pages, scraped 0 items"
    "crawler.progress.RunReport": 30,
    "crawler.extensions.RevalidatingAutoThrottle": 0,
}
# Scrapy's own extensions minus four, taken out of EXTENSIONS_BASE itself: a `None` in
# EXTENSIONS still imports the class (Scrapy 2.19 loads each key to normalise it), and the
# remote control's module imports aiohttp (~0.15 s of every command's start-up).
# - LogStats: crawler.progress.ProgressLog replaces its "Crawled N pages, scraped 0 items";
# - AutoThrottle: RevalidatingAutoThrottle above lets 304s lower the delay too (a
#   revalidating crawl is mostly 304s);
# - the telnet console and Scrapy 2.19's remote control (an HTTP server on localhost that runs
#   the Python code sent to it): an unattended archival crawl needs no code-execution port.
EXTENSIONS_BASE = {
    path: order for path, order in _scrapy_defaults.EXTENSIONS_BASE.items()
    if path not in ("scrapy.extensions.logstats.LogStats", "scrapy.extensions.throttle.AutoThrottle",
                    "scrapy.extensions.telnet.TelnetConsole",
                    "scrapy.extensions.remote_control.RemoteControl")
}
# A progress line every THREAD_PROGRESS_INTERVAL seconds (0: none). Each run writes
# <WARC_DIR>/<WARC_PREFIX>-<UTC timestamp>-crawl.log (a line per fetch) and -stats.json.
THREAD_PROGRESS_INTERVAL = 60
THREAD_REPORT_ENABLED = True
# Scrapy's HTTP/1.1 handler, keeping the reason phrase of each status line for the WARC.
DOWNLOAD_HANDLERS = {
    "http": "crawler.handlers.ReasonKeepingHTTP11DownloadHandler",
    "https": "crawler.handlers.ReasonKeepingHTTP11DownloadHandler",
}
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    # Scrapy's, giving robots.txt's rules to every request that waited for them (Scrapy 2.19
    # gives them to the first and allows the rest: crawler/middlewares.py)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.RobotsTxtMiddleware": 100,
    "crawler.middlewares.OffsiteRedirectMiddleware": 50,  # Scrapy's, naming offsite redirects
    "crawler.middlewares.RetryAfterMiddleware": 545,  # next to RetryMiddleware (550)
    # If-None-Match/If-Modified-Since for pages archived before; a 304 answered from the WARC
    # after DownloaderStats (850) counts it, before HttpCompressionMiddleware (590) decodes it
    "crawler.middlewares.ConditionalRefetchMiddleware": 800,
    # comment permalinks (archived, not read): only the head of the body decoded, for a meta
    # refresh; between RedirectMiddleware (600) and HttpCompressionMiddleware (590)
    "crawler.middlewares.ArchiveOnlyMiddleware": 595,
    # With JOBDIR, after a run that was killed: pages this job archived are read back from its
    # WARC files, not fetched again (by Scrapy's HTTP cache, 900; off without JOBDIR)
    "crawler.middlewares.ResumeFromArchiveMiddleware": 890,
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
# Deduplication: a payload archived before (this crawl or any earlier one into the folder) is
# written as a revisit record; a page archived before is asked for with its ETag/Last-Modified.
# The index is <WARC_DIR>/threadwarc-index.sqlite3 unless WARC_DEDUP_INDEX names a file.
WARC_DEDUP = True
WARC_DEDUP_INDEX = ""

# Publishing at the end of a crawl: on when DATASET_DIR is set (-s DATASET_DIR=datasets/x).
DATASET_ENABLED = True
DATASET_DIR = ""
DATASET_SPLITS = "train=0.8,validation=0.1,test=0.1"
DATASET_WORKERS = 0  # extraction processes; 0 = one per core
DATASET_PAGE_TIMEOUT = 30  # seconds before one page's extraction is abandoned
DATASET_MAX_PAGE_BYTES = 20_000_000  # decoded HTML larger than this is skipped
DATASET_ENGINE = "pool"  # who runs the extraction steps: "pool" (ours) or "datatrove"
DATASET_PROGRESS_INTERVAL = 30  # a progress bar on a terminal, else a line every N s (0: off)

LOG_LEVEL = "INFO"

# A crawl shared by any number of processes on any machines through one Redis server
# (crawler/frontier.py; scrapy-redis's settings): -s REDIS_URL=redis://host:6379/0. Its keys
# start with REDIS_CRAWL (default: the spider's name). A worker closes once the whole crawl has
# been drained this many seconds (0: never, it waits for `threadwarc seed`); a worker silent for
# REDIS_WORKER_TIMEOUT seconds is dead, and the requests it held are fetched by another.
ADDONS = {"crawler.frontier.RedisFrontierAddon": 0}
REDIS_URL = ""
REDIS_CRAWL = ""
MAX_IDLE_TIME_BEFORE_CLOSE = 10
REDIS_WORKER_TIMEOUT = 30

# Page requisites (crawler/requisites.py): the stylesheets, scripts, images, icons and fonts
# that article and thread pages load (and their stylesheets' url()s), fetched once per crawl so
# that replay shows the page styled; on the crawl's sites, their registrable domains and the
# hosts of WARC_PAGE_REQUISITES_HOSTS (`host` or `*.domain`; the default lists shared CDNs).
WARC_PAGE_REQUISITES = True
# WARC_PAGE_REQUISITES_HOSTS = ["cdn.example.net", "*.example-cdn.com"]  (default: DEFAULT_HOSTS)
