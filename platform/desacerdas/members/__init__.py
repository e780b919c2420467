"""A village's members: the accounts that work there, managed by the village itself (``service``).

The pages are ``village/members.py``, the API ``api/members.py``; both call :mod:`.service`.
"""
