"""Reading the rollout pages in tests."""

from __future__ import annotations

import re


def board_rows(html: str) -> dict[str, list[str]]:
    """The board's matrix as {village name: [cell state, …]} in column order."""
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        name = re.search(r'name="villages" value="\d+"> ([^<]+)</label>', tr)
        if name:
            rows[name.group(1).strip()] = re.findall(r'<td class="cell (\w+)">', tr)
    return rows
