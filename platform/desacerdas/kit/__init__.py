"""The pillar kit: what every pillar needs, in the core, so no pillar writes it again.

``access`` (who may open a page or endpoint, and with which scope), ``workflow`` (records that move
through states by named actions, with a timeline), ``numbering`` (gap-free numbers per village),
``verification`` and ``paper`` (PDFs anyone can verify), ``lists``, ``forms`` and ``tabular``
(paginated lists, form re-rendering, CSV/XLSX), ``snapshots`` (indicators across months) and
``terms`` (the village's own words and letterhead). See ``docs/kit/``.
"""
