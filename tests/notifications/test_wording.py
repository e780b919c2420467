"""Wording per kind and language with the village's terms; villages' own wording, sandboxed."""

from __future__ import annotations

import pytest

from desacerdas.models import Tenant
from desacerdas.notifications import notify, render, save_template
from desacerdas.notifications.templates import own_wording, preview
from desacerdas.services import ServiceError
from desacerdas.testing.support import village_session

from .conftest import user


def test_village_terms_and_language(app, menanga, bebandem):
    with village_session(app, menanga) as s:
        text = render("test.letter_ready", "inbox", "id", {"number": "9"}, s.get(Tenant, menanga.id), s)
        assert text.subject == "Surat 9 siap"
        assert text.body == "Surat 9 Anda sudah ditandatangani Perbekel."  # Bali: the head is a perbekel
        english = render("test.letter_ready", "email", "en_US", {"number": "9"}, s.get(Tenant, menanga.id), s)
        assert english.body == "Your letter 9 is ready."
        assert render("test.letter_ready", "inbox", "fr", {"number": "9"}).subject == "Surat 9 siap"


def test_village_override_for_inbox_and_email_only(app, menanga, bebandem, resident, doubles):
    with village_session(app, menanga) as s:
        tenant = s.get(Tenant, menanga.id)
        save_template(
            s,
            tenant,
            "test.letter_ready",
            "inbox",
            "id",
            "Kabar {{ number }}",
            "Om Swastiastu, surat {{ number }} sudah siap di kantor {{ terms.village_title }}.",
        )
        with pytest.raises(ServiceError):
            save_template(s, tenant, "test.letter_ready", "whatsapp", "id", "x", "y")
        assert preview("test.letter_ready", "inbox", "id", tenant, s).subject == "Kabar 470/1"
        rows = notify(s, tenant, user(s, resident), "test.letter_ready", {"number": "5"}, key="o1")
        assert rows[0].body == "Om Swastiastu, surat 5 sudah siap di kantor Desa Menanga."
        assert rows[1].body == "Surat 5 Anda sudah ditandatangani Perbekel."  # WhatsApp keeps the default
        s.commit()
    with village_session(app, bebandem) as s:  # another village keeps the default
        assert (
            render("test.letter_ready", "inbox", "id", {"number": "5"}, s.get(Tenant, bebandem.id), s).subject
            == "Surat 5 siap"
        )
        assert own_wording(s, s.get(Tenant, bebandem.id), "test.letter_ready", "inbox", "id") is None
    with village_session(app, menanga) as s:
        tenant = s.get(Tenant, menanga.id)
        assert save_template(s, tenant, "test.letter_ready", "inbox", "id", "", "") is None  # default back
        assert (
            render("test.letter_ready", "inbox", "id", {"number": "5"}, tenant, s).subject == "Surat 5 siap"
        )


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",  # sandbox: no Python internals
        "{{ number ",  # bad syntax
        "{{ nonsense_name }}",  # unknown name: refused when saving (strict check)
    ],
)
def test_bad_or_unsafe_wording_is_refused(app, menanga, body):
    with village_session(app, menanga) as s:
        with pytest.raises(ServiceError) as err:
            save_template(s, s.get(Tenant, menanga.id), "test.letter_ready", "email", "id", "s", body)
        assert "cannot be used" in str(err.value)
