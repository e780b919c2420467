"""The ``/plugins`` admin page."""

from __future__ import annotations


def test_plugins_page_lists_states_versions_hooks(papp, pclient, make_user, login):
    login(make_user("platform_admin"), pclient)
    page = pclient.get("/plugins/?lang=en").get_data(as_text=True)
    assert "Test alpha" in page and "desa_navigation" in page and "installed" in page
    assert "wrong_name" in page and "must return PluginInfo" in page  # broken, and says why


def test_uninstall_and_install_from_the_page(papp, pclient, make_user, login):
    login(make_user("platform_admin"), pclient)
    refused = pclient.post("/plugins/alpha/uninstall", follow_redirects=True).get_data(as_text=True)
    assert "require alpha" in refused
    assert pclient.post("/plugins/gamma/uninstall").status_code == 302
    assert "not installed" in pclient.get("/plugins/").get_data(as_text=True)
    assert pclient.post("/plugins/gamma/install").status_code == 302
    with papp.app_context():
        from desacerdas.plugin_system.state import installed_names

        assert "gamma" in installed_names()


def test_plugins_page_is_for_platform_admins_only(papp, pclient, menanga, make_user, login):
    assert pclient.get("/plugins/").status_code == 302  # sign in first
    login(make_user("regency_admin", area="51.07"), pclient)
    assert pclient.get("/plugins/").status_code == 403
    assert pclient.post("/plugins/alpha/uninstall").status_code == 403
