"""Views of Engage part 2, grouped by concern. Shared helpers live here."""

from rollout.paging import PAGE_SIZE

__all__ = ["PAGE_SIZE"]
