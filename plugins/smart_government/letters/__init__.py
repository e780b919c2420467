"""Letter services: letter types (``types``, the village's defaults in ``defaults``), requests and
their workflow (``requests``, ``workflow``, the letter's data in ``content``), issuing with a number,
a PDF and a verification token (``issuing``, ``numbering``, ``pdf``), figures for the dashboards
(``figures``), demo letters, and the letter pages and API."""
