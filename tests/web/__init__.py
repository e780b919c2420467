"""Page tests of the platform admin and the page shell (Flask test client)."""
