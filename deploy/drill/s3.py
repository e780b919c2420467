"""Run a SeaweedFS S3 server for the drill until SIGTERM: ``python deploy/drill/s3.py DIR URLFILE``.

Writes the ``DESA_STORAGE_URL`` value (bucket ``desacerdas``) to URLFILE once the server accepts
requests, then waits; SIGTERM or SIGINT stops the server (and its data stays in DIR for the trap to
remove).
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from desacerdas.testing.s3 import SeaweedS3


def main() -> None:
    root, url_file = Path(sys.argv[1]), Path(sys.argv[2])
    server = SeaweedS3(root).start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    try:
        url_file.write_text(server.url("desacerdas"))
        stopped.wait()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
