"""The Celery entry point: ``celery -A desacerdas.jobs.worker worker --pool=solo`` (or ``beat``).

The Flask app is made from the ``DESA_*`` environment exactly as the web server makes it; every
task runs inside its app context. ``desa worker`` and ``desa beat`` run these commands for you.
"""

from __future__ import annotations

from ..app import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
app = celery
