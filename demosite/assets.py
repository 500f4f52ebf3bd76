"""The page requisites of the Drupal 7 demo site: Bartik's stylesheets, scripts, logo and a
web font, as the theme links them (an `@import` inside `<style>`, `url()`s in the sheets), so
that a crawl that fetches requisites can be checked and a replay shows the page styled.

Drupal 7's robots.txt allows `*.css`, `*.js` and images under /misc/, /modules/ and /themes/,
but not `/misc/favicon.ico`: a requisite robots.txt forbids. The font lives under
/sites/default/files/ (not in robots.txt). One script is loaded from the site's other host
name (`other_host`), as from a CDN: a crawl fetches it only if that host is allowed.
"""

from __future__ import annotations

import struct
import zlib

from demosite.toolkit import Page, make_page, other_host

SYSTEM_CSS = "/modules/system/system.base.css"
STYLE_CSS = "/themes/bartik/css/style.css"
COLORS_CSS = "/themes/bartik/css/colors.css"  # imported by style.css
JQUERY = "/misc/jquery.js"
DRUPAL_JS = "/misc/drupal.js"
LOGO = "/themes/bartik/logo.png"
BUTTONS = "/themes/bartik/images/buttons.png"  # url() of style.css
BACKGROUND = "/themes/bartik/images/background.png"  # url() of colors.css, the imported sheet
THROBBER = "/misc/throbber-active.gif"  # url() of system.base.css
FONT = "/sites/default/files/fonts/opensans-regular.woff2"  # @font-face of style.css
FAVICON = "/misc/favicon.ico"  # robots.txt forbids it
CDN_JS = "/cdn/widget.js"  # on the other host name


def png(rgb: tuple[int, int, int], size: int = 8) -> bytes:
    """A valid size x size PNG of one colour."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


def head(base: str) -> str:
    """What Bartik's html.tpl.php puts in <head> for them (the `<style>` @imports included)."""
    return (f'<style type="text/css" media="all">\n@import url("{base}{SYSTEM_CSS}?p3ha9w");\n</style>\n'
            f'  <link type="text/css" rel="stylesheet" href="{base}{STYLE_CSS}?p3ha9w" media="all" />\n'
            f'  <script type="text/javascript" src="{other_host(base)}{CDN_JS}"></script>\n'
            f'  <script type="text/javascript" src="{base}{JQUERY}?v=1.4.4"></script>\n'
            f'  <script type="text/javascript" src="{base}{DRUPAL_JS}?p3ha9w"></script>\n')


def logo() -> str:
    return f'<a href="/" title="Home" rel="home" id="logo"><img src="{LOGO}" alt="Home" /></a>'


def pages() -> dict[str, Page]:
    """Path -> response, any query string."""
    css = "text/css"
    return {
        SYSTEM_CSS: make_page(b".ajax-progress .throbber {\n  background: transparent url(../../misc/"
                              b"throbber-active.gif) no-repeat 0px center;\n  float: left;\n}\n", css),
        STYLE_CSS: make_page(
            b'@import "colors.css";\n@font-face {\n  font-family: "Open Sans";\n  src: url("/sites/default/'
            b'files/fonts/opensans-regular.woff2") format("woff2");\n}\nbody { font-family: "Open Sans", '
            b"Georgia, serif; }\n.comment .links li a { background: url('../images/buttons.png') repeat-x; }"
            b"\n#page-title { color: #1d4e89; }\n", css),
        COLORS_CSS: make_page(b"body { background: #292929 url(../images/background.png) repeat-x; }\n"
                              b"#header { color: #fffeff; }\n", css),
        JQUERY: make_page(b"/*! jQuery v1.4.4 (demo stand-in) */\nwindow.jQuery = window.$ = function () "
                          b"{ return { ready: function (f) { f(); } }; };\njQuery.extend = Object.assign;\n",
                          "application/javascript"),
        DRUPAL_JS: make_page(b"var Drupal = Drupal || { settings: {}, behaviors: {} };\n",
                             "application/javascript"),
        LOGO: make_page(png((29, 78, 137)), "image/png"),
        BUTTONS: make_page(png((220, 220, 220)), "image/png"),
        BACKGROUND: make_page(png((41, 41, 41)), "image/png"),
        THROBBER: make_page(GIF, "image/gif"),
        FONT: make_page(b"wOF2\x00\x01\x00\x00" + bytes(range(256)) * 8, "font/woff2"),
        FAVICON: make_page(b"\x00\x00\x01\x00" + bytes(60), "image/vnd.microsoft.icon"),
        CDN_JS: make_page(b"/* a widget a CDN serves */\n", "application/javascript"),
    }


def truth(base: str) -> dict[str, list[str]]:
    """What a crawl with page requisites on (the default) fetches, what robots.txt forbids, what
    is on the other host (fetched only when WARC_PAGE_REQUISITES_HOSTS allows it)."""
    return {
        "fetched": [base + p for p in (f"{SYSTEM_CSS}?p3ha9w", f"{STYLE_CSS}?p3ha9w", COLORS_CSS,
                                       f"{JQUERY}?v=1.4.4", f"{DRUPAL_JS}?p3ha9w", LOGO, BUTTONS,
                                       BACKGROUND, THROBBER, FONT)],
        "robots_forbidden": [base + FAVICON],
        "other_host": [other_host(base) + CDN_JS],
        "stylesheets": [base + f"{SYSTEM_CSS}?p3ha9w", base + f"{STYLE_CSS}?p3ha9w"],  # @import, <link>
    }
