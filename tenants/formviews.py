"""The one way a page handles a form: validate, call a service, report.

    return form_page(request, form=form, template="app/thing_form.html",
                     save=lambda data: services.thing_create(tenant=..., **data),
                     success_message=_("Saved."), success_url="app:thing-list")

Bad input or a broken business rule re-renders the same form with the user's
input and the message, status 422 (so HTMX swaps show it); nothing is saved.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .errors import BusinessRuleError


def form_error_add(form: forms.Form, exc: BusinessRuleError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def form_page(
    request: HttpRequest,
    *,
    form: forms.Form,
    template: str,
    save: Callable[[dict[str, Any]], Any],
    success_message: str | Callable[[Any], str],
    success_url: str | Callable[[Any], str],
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            messages.success(
                request, success_message(result) if callable(success_message) else success_message
            )
            return redirect(success_url(result) if callable(success_url) else success_url)
    status = 422 if request.method == "POST" else 200
    return render(request, template, {"form": form, **(context or {})}, status=status)
