"""python -m demosite: serve the demo site until SIGTERM/SIGINT, optionally dump its truth."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from demosite import build_site, serve
from demosite.renderers import RENDERERS, renderer


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m demosite", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--platform", default="drupal7", choices=sorted(RENDERERS),
                   help="which platform's markup renders the site (default: %(default)s)")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--articles", type=int, default=6)
    p.add_argument("--comments-scale", type=int, default=1)
    p.add_argument("--slow-seconds", type=float, default=1.0)
    p.add_argument("--truth", type=Path, help="write the ground truth JSON here before serving")
    p.add_argument("--truth-only", action="store_true", help="write --truth for --port and exit")
    args = p.parse_args(argv)
    site = build_site(args.articles, args.comments_scale)
    if args.truth_only:
        if not args.port or not args.truth:
            p.error("--truth-only needs --truth and a fixed --port")
        write_truth(args.truth, renderer(args.platform)(site, f"http://{args.host}:{args.port}").truth())
        return 0
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    server = serve(args.host, args.port, site, args.slow_seconds, args.platform)
    try:
        if args.truth:
            write_truth(args.truth, server.truth)
        print(f"Serving demo site at {server.base_url}/", flush=True)
        stop.wait()
    finally:
        server.stop()
    return 0


def write_truth(path: Path, truth: dict[str, object]) -> None:
    path.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
