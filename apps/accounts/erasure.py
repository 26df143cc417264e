"""Account erasure, accounts' part (last in apps.core.hooks.ERASURE_ORDER): the email's rate window,
the identity, then the profile. Idempotent: each step tolerates what an earlier run already removed.

Login sessions are keyed by the hash of a random session token, not by user, so they cannot be found
here; they hold only an email HMAC and DynamoDB's TTL removes them within about an hour.
"""

from apps.accounts import repository, services
from apps.accounts.providers import get_provider


def erase_user(*, user_id: str) -> None:
    """Remove the user's profile, their login rate window and their identity."""
    provider = get_provider()
    profile = repository.profile_get(user_id=user_id)
    email = profile.email if profile else None
    if email is None:
        identity = provider.get_user(user_id)
        email = identity.email if identity else None
    if email:
        key = services.normalize_email(email)
        repository.rate_forget(scope=services.EMAIL_RATE_SCOPE,
                               key_hash=services.rate_key_hash(services.EMAIL_RATE_SCOPE, key))
    provider.delete_user(user_id)
    repository.profile_delete(user_id=user_id)
