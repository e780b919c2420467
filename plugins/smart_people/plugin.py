"""Hook implementations of smart_people, registered through the ``desacerdas.plugins`` entry point.

The pillar's own features arrive in their own issues; what is here is what the rollout needs:
who may enable it, what a village must have first, and where it appears.
"""

from flask_babel import lazy_gettext as _l

from desacerdas.plugin_system.pillar import Pillar, has_staff

plugin = Pillar(
    name="smart_people",
    title_id="Masyarakat Cerdas",
    title_en="Smart people",
    pillar="people",
    version="0.1.0",
    description="Program literasi digital: sesi pelatihan, kehadiran, dan sertifikat.",
    description_en="Digital-literacy programmes: sessions, attendance and certificates.",
    rollout_order=20,
    requires=(),
    checks=[
        has_staff(
            _l("A secretary or operator account exists"),
            _l("Grant an operator an account to organise sessions."),
        ),
    ],
)
