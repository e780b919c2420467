def test_start_page_lists_active_villages_with_search_and_pages(app, client, make_village):
    menanga = make_village("51.07.01.2003")
    make_village("51.07.06.2003")
    body = client.get("/").get_data(as_text=True)
    assert "Menanga" in body and "Bebandem" in body
    body = client.get("/?q=mena").get_data(as_text=True)
    assert "Menanga" in body and "Bebandem" not in body
    app.config["PAGE_SIZE"] = 1
    try:
        first = client.get("/").get_data(as_text=True)
        second = client.get("/?page=2").get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = 25
    assert "Page 1 of 2" in first and ("Menanga" in first) != ("Menanga" in second)
    assert menanga.slug in client.get("/").get_data(as_text=True)
