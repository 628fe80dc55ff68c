"""How many rows a list page shows: one number for every list in the product.

One size everywhere means a person learns once how far a page reaches, and the query-count tests
of every list hold at the same size. The API pages on its own (`REST_FRAMEWORK["PAGE_SIZE"]`):
its page size is part of a published contract, not of the page layout.
"""

PAGE_SIZE = 25
