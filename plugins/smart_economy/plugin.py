"""Hook implementations of smart_economy, registered through the ``desacerdas.plugins`` entry point.

The pillar's own features arrive in their own issues; what is here is what the rollout needs:
who may enable it, what a village must have first, and where it appears.
"""

from flask_babel import lazy_gettext as _l

from desacerdas.plugin_system.pillar import Pillar, has_staff

plugin = Pillar(
    name="smart_economy",
    title_id="Ekonomi Cerdas",
    title_en="Smart economy",
    pillar="economy",
    version="0.1.0",
    description="Pasar digital desa untuk produk UMKM dan BUMDes, dengan pesanan.",
    description_en="A village marketplace for UMKM and BUMDes products, with orders.",
    rollout_order=30,
    requires=("smart_government",),
    checks=[
        has_staff(
            _l("A secretary or operator account exists"),
            _l("Grant an operator an account to approve sellers."),
        ),
    ],
)
