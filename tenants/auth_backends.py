"""Sign-in backend: allauth's, loading the signed-in user with their shop and plan.

Every request of a signed-in user loads the user (Django's session auth) and then
needs their shop and its plan (the MFA check, the tenant scope, plan limits): one
joined query instead of two.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            user = model._default_manager.select_related("tenant__plan").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
