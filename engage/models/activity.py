"""Activity imports and daily rollups (Engage, part 1)."""
