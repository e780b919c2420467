"""Hook implementations of smart_government, registered through the ``desacerdas.plugins`` entry point.

The population registry lives in ``models`` (residents, families, civil events); its pages, API
and services register on this plugin's blueprints.
"""

from flask_babel import lazy_gettext as _l

from desacerdas import hookimpl
from desacerdas.models import Role
from desacerdas.plugin_system.pillar import Pillar, has_hamlets, has_role, has_staff

from .models import MODELS


class Government(Pillar):
    """The smart government pillar: the population registry (and, next, letter services)."""

    @hookimpl
    def desa_owned_models(self) -> list[type]:
        return list(MODELS)


plugin = Government(
    name="smart_government",
    title_id="Pemerintahan Cerdas",
    title_en="Smart government",
    pillar="government",
    version="0.1.0",
    description=(
        "Layanan pemerintahan digital: registrasi penduduk, pendaftaran daring, "
        "dan layanan surat dengan penomoran, PDF dan verifikasi."
    ),
    description_en=(
        "Digital government services: population registry, online registration, "
        "and letter services with numbering, PDF and verification."
    ),
    rollout_order=10,
    requires=(),
    checks=[
        has_role(
            Role.VILLAGE_HEAD,
            _l("A village head account exists"),
            _l("Create the village head's account and grant the village_head role."),
        ),
        has_hamlets(
            _l("At least one hamlet is registered"), _l("Add the village's hamlets (banjar dinas / dusun).")
        ),
        has_staff(
            _l("A secretary or operator account exists"),
            _l("Grant an operator or the village secretary an account to serve at the counter."),
        ),
    ],
)
