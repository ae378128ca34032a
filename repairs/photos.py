"""Checking an uploaded photo by its content: the name and the browser's content
type are not trusted. The size limit is settings.REPAIR_PHOTO_MAX_BYTES."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tenants.errors import BusinessRuleError

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"),
           "WEBP": ("image/webp", "webp")}


def photo_read(upload: Any) -> tuple[bytes, str]:
    """(content, content type) of an upload that is a JPEG, PNG or WebP image within the
    size limit; a BusinessRuleError with a message the user can act on otherwise."""
    from PIL import Image, UnidentifiedImageError

    limit = settings.REPAIR_PHOTO_MAX_BYTES
    too_big = _("A photo can be at most %(size)s.") % {"size": filesizeformat(limit)}
    if upload is None:
        raise BusinessRuleError(_("Choose a photo."), field="photo")
    if upload.size > limit:
        raise BusinessRuleError(too_big, field="photo")
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise BusinessRuleError(too_big, field="photo")
    try:
        with Image.open(io.BytesIO(content)) as image:
            image_format = image.format
            image.verify()
        with Image.open(io.BytesIO(content)) as image:  # verify() leaves it unusable
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
        raise BusinessRuleError(
            _("This file is not an image we can read (JPEG, PNG or WebP)."), field="photo",
        ) from None
    if image_format not in FORMATS:
        raise BusinessRuleError(_("Upload a JPEG, PNG or WebP image."), field="photo")
    return content, FORMATS[image_format][0]
