"""Views of the champion step. Shared helpers live here; pages are grouped by concern."""


def own_champion(request, rollout):
    """The signed-in user's champion record in `rollout`, or None."""
    return rollout.champions.filter(user=request.user).first()
