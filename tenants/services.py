"""Writes for users and the shell. Every write lives in a service named <entity>_<verb>."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import User
from .preferences import language_is_supported, theme_is_supported


def user_set_preferences(*, user: User, language: str = "", theme: str = "") -> User:
    """Save a user's language and/or theme. Unknown values are refused."""
    fields = []
    if language:
        if not language_is_supported(language):
            raise ValidationError(_("This language is not available."))
        user.language = language
        fields.append("language")
    if theme:
        if not theme_is_supported(theme):
            raise ValidationError(_("This theme is not available."))
        user.theme = theme
        fields.append("theme")
    if fields:
        user.save(update_fields=fields)
    return user
