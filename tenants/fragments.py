"""Which template a page with an htmx-swapped region answers with: the whole page, or
the named partial that the region is.

One rule for every such page: only an htmx request aimed at the region (its element id
in HX-Target) gets the partial. Anything else gets the page, and in particular a history
restore: when the user goes back to an address htmx pushed and the snapshot is no longer
in its cache, htmx asks for that address with an htmx request (HX-Request and
HX-History-Restore-Request, no target) and puts the answer in place of the whole body.
"""

from django.http import HttpRequest


def page_or_partial(
    request: HttpRequest, template: str, *, target: str, partial: str = "results"
) -> str:
    """`template#partial` for an htmx request aimed at the element `target`, else `template`."""
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request and htmx.target == target:
        return f"{template}#{partial}"
    return template


def restore_status(request: HttpRequest, status: int) -> int:
    """The status to answer a page's request with: a history restore's 422 goes as 200.

    htmx 2 puts a history restore's answer in place only when it is 2xx/3xx (its
    responseHandling config does not apply there), so going back to the address of a
    refused filter would leave the later page on screen under that address. The page
    carries the refusal's message either way."""
    htmx = getattr(request, "htmx", None)
    if status == 422 and htmx and htmx.history_restore_request:
        return 200
    return status
