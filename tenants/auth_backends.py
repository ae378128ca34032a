"""Sign-in backend: allauth's, loading the signed-in user with their shop and plan.

Every request of a signed-in user loads the user (Django's session auth) and then
needs their shop and its plan (the MFA check, the tenant scope, plan limits): one
joined query instead of two, its SQL built once per process (tenants.prepared).
"""

from __future__ import annotations

import uuid
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model

from .prepared import Prepared

USER_WITH_SHOP = Prepared(
    lambda user_id: get_user_model()._default_manager.select_related("tenant__plan")
    .filter(pk=user_id)[:1],
    uuid.UUID, reuse_plan=True)


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id: Any) -> Any:
        try:
            user_id = uuid.UUID(str(user_id))
        except ValueError:  # not a user id (a session from elsewhere)
            return None
        user = USER_WITH_SHOP.first(user_id)
        if user is None:
            return None
        return user if self.user_can_authenticate(user) else None
