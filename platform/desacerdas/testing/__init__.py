"""Testing support for plugin authors (and the platform): the pytest plugin's building blocks.

* :mod:`desacerdas.testing.pytest_plugin`: the fixtures (``desa_app``, ``desa_client``,
  ``desa_village`` …) and the ``enable_plugins`` marker; pytest loads it through the ``pytest11``
  entry point, so a plugin's tests just name the fixtures;
* :mod:`desacerdas.testing.support`: the same things as plain functions taking the app;
* :mod:`desacerdas.testing.contract`: the checks every plugin can run against itself.

Importing this package has no side effects; the platform is imported only when a fixture runs.
"""

from .support import PASSWORD, Person, Village

__all__ = ["PASSWORD", "Person", "Village"]
