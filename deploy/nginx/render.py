"""Render deploy/nginx/*.conf: replace the ``${DESA_NGINX_*}`` placeholders, nothing else.

    python deploy/nginx/render.py --out /etc/nginx/conf.d --listen 80 \
        --app 127.0.0.1:8001 --app 127.0.0.1:8002 --static /opt/desacerdas/platform/desacerdas/static
    python deploy/nginx/render.py --prefix DIR ...   # also nginx.conf, for `nginx -p DIR -c DIR/nginx.conf`

Only the named placeholders are replaced (nginx's own ``$variables`` stay), and a placeholder left
without a value is an error rather than a broken configuration.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r"\$\{(DESA_NGINX_[A-Z0-9_]+)\}")


def render_text(text: str, values: dict[str, str]) -> str:
    """Replace every ``${DESA_NGINX_X}``; raise KeyError naming any placeholder without a value."""
    missing = sorted({name for name in PLACEHOLDER.findall(text) if name not in values})
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def render(out: Path, listen: str, apps: list[str], static: str, prefix: bool = False) -> list[Path]:
    """Write desacerdas.conf (and, for a prefix, nginx.conf plus its temp folders) into ``out``."""
    if len(apps) != 2:
        raise ValueError("give exactly two app servers (--app twice)")
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    values = {
        "DESA_NGINX_LISTEN": listen,
        "DESA_NGINX_APP1": apps[0],
        "DESA_NGINX_APP2": apps[1],
        "DESA_NGINX_STATIC": str(Path(static).resolve()),
        "DESA_NGINX_PREFIX": str(out),
    }
    written = [out / "desacerdas.conf"]
    written[0].write_text(render_text((HERE / "desacerdas.conf").read_text(), values))
    if prefix:
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (out / "tmp" / sub).mkdir(parents=True, exist_ok=True)
            # nginx started as root runs its workers as nobody: they write buffered bodies here.
            (out / "tmp" / sub).chmod(0o777)
        written.append(out / "nginx.conf")
        written[1].write_text(render_text((HERE / "nginx.conf").read_text(), values))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="folder for desacerdas.conf")
    parser.add_argument("--prefix", type=Path, help="an nginx prefix folder: desacerdas.conf and nginx.conf")
    parser.add_argument("--listen", default="80")
    parser.add_argument("--app", action="append", default=[], help="an app server host:port (twice)")
    parser.add_argument("--static", default=str(HERE.parents[1] / "platform" / "desacerdas" / "static"))
    args = parser.parse_args()
    if not (args.out or args.prefix):
        parser.error("give --out or --prefix")
    apps = args.app or ["127.0.0.1:8001", "127.0.0.1:8002"]
    for path in render(args.prefix or args.out, args.listen, apps, args.static, prefix=bool(args.prefix)):
        print(path)


if __name__ == "__main__":
    main()
