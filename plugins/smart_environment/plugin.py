"""Hook implementations of smart_environment, registered through the ``desacerdas.plugins`` entry point.

The pillar's own features arrive in their own issues; what is here is what the rollout needs:
who may enable it, what a village must have first, and where it appears.
"""

from flask_babel import lazy_gettext as _l

from desacerdas.plugin_system.pillar import Pillar, has_hamlets

plugin = Pillar(
    name="smart_environment",
    title_id="Lingkungan Cerdas",
    title_en="Smart environment",
    pillar="environment",
    version="0.1.0",
    description="Bank sampah, serta laporan lingkungan dan kebencanaan.",
    description_en="Waste bank, and environmental and disaster reports.",
    rollout_order=50,
    requires=(),
    checks=[
        has_hamlets(
            _l("At least one hamlet is registered"), _l("Add the hamlets: reports are located by hamlet.")
        ),
    ],
)
