"""Run by the pywb virtualenv's python (`python -I serve_pywb.py ROOT`), never imported: what pywb's
`wayback` command runs (its FrontEndApp reading ROOT/config.yaml, in its gevent server), bound to
127.0.0.1 on a port the system picks, which it prints first thing (`wayback -p` takes a fixed
one: picking a free port first races other processes). SIGTERM stops it cleanly: the recorder's
queued records are written and its WARC files closed before it exits 0."""

from __future__ import annotations

import sys


def main(root: str) -> int:
    from gevent.monkey import patch_all

    patch_all()  # first, as pywb's own cli.py does
    import logging
    import os
    import signal

    import gevent
    from gevent.event import Event
    from pywb.apps.frontendapp import FrontEndApp
    from pywb.utils.geventserver import GeventServer, RequestURIWSGIHandler

    logging.basicConfig(format="%(asctime)s: [%(levelname)s]: %(message)s", level=logging.INFO)
    os.chdir(root)
    app = FrontEndApp(config_file="config.yaml")
    server = GeventServer(app, port=0, hostname="127.0.0.1", handler_class=RequestURIWSGIHandler)
    sys.stdout.write(f"pywb listening on {server.port}\n")  # the one line for the test's pipe
    sys.stdout.flush()
    sys.stdout = sys.stderr  # pywb prints a few lines of its own: into the log, not a pipe nobody reads

    stopped = Event()

    def stop() -> None:
        server.stop()
        if app.recorder is not None:
            while True:  # a record is queued when its response ends; the writer greenlet drains it
                gevent.idle()
                if app.recorder.write_queue.empty():
                    break
            app.recorder.writer.close()
        stopped.set()

    gevent.signal_handler(signal.SIGTERM, stop)
    stopped.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
