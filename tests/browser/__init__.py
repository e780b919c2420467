"""The browser lane: Playwright driving Debian's Chromium against a live server."""
