"""Views of the incentive step. Shared helpers live here; pages are grouped by concern."""
