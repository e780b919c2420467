"""Hook implementations of smart_society, registered through the ``desacerdas.plugins`` entry point.

The pillar's own features arrive in their own issues; what is here is what the rollout needs:
who may enable it, what a village must have first, and where it appears.
"""

from flask_babel import lazy_gettext as _l

from desacerdas.models import Role
from desacerdas.plugin_system.pillar import Pillar, has_role

plugin = Pillar(
    name="smart_society",
    title_id="Sosial Cerdas",
    title_en="Smart society",
    pillar="society",
    version="0.1.0",
    description="Program bantuan sosial dan penerimanya, pengaduan, dan kegiatan masyarakat.",
    description_en="Social-aid programmes and recipients, complaints, and community events.",
    rollout_order=40,
    requires=("smart_government",),
    checks=[
        has_role(
            Role.HAMLET_HEAD,
            _l("A hamlet head account exists"),
            _l("Give at least one hamlet head an account: they verify aid recipients."),
        ),
    ],
)
