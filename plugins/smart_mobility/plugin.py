"""Hook implementations of smart_mobility, registered through the ``desacerdas.plugins`` entry point.

The pillar's own features arrive in their own issues; what is here is what the rollout needs:
who may enable it, what a village must have first, and where it appears.
"""

from flask_babel import lazy_gettext as _l

from desacerdas.plugin_system.pillar import Pillar, has_hamlets

plugin = Pillar(
    name="smart_mobility",
    title_id="Mobilitas Cerdas",
    title_en="Smart mobility",
    pillar="mobility",
    version="0.1.0",
    description="Inventaris infrastruktur dan jangkauan internet, serta laporan kerusakan.",
    description_en="Infrastructure and internet-coverage inventory, and damage reports.",
    rollout_order=60,
    requires=(),
    checks=[
        has_hamlets(
            _l("At least one hamlet is registered"), _l("Add the hamlets: assets are located by hamlet.")
        ),
    ],
)
