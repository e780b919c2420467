"""gunicorn settings, read from the environment (see README's configuration table)."""

import os

bind = os.environ.get("DESA_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("DESA_GUNICORN_WORKERS", "2"))
timeout = int(os.environ.get("DESA_GUNICORN_TIMEOUT", "30"))
graceful_timeout = timeout
accesslog = os.environ.get("DESA_GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
forwarded_allow_ips = os.environ.get("DESA_FORWARDED_ALLOW_IPS", "127.0.0.1")
preload_app = True
# gunicorn >= 25 opens a control socket for `gunicornc`, by default ~/.gunicorn/gunicorn.ctl: one
# path shared by every server of the same user (two app servers, tests, benchmarks) in a folder
# outside the instance. Nothing here uses it: off (systemd and signals manage the server).
control_socket_disable = True
