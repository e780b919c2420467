"""(being written) The common letter types, seeded when a village enables the pillar."""

from sqlalchemy.orm import Session

from desacerdas.models import Tenant


def seed_defaults(tenant: Tenant, session: Session) -> None:
    """Add the common letter types the village does not have yet."""
