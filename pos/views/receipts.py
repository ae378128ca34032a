"""Receipt pages: 80 mm print page (`?print=1` opens the print dialog: a reprint is
the same page), PDF and email, for sales, returns and buy-backs."""

import uuid
from collections.abc import Callable

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tenants.access import tenant_view
from tenants.errors import BusinessRuleError

from .. import receipts, selectors
from ..return_forms import ReceiptEmailForm

Builder = Callable[[HttpRequest, uuid.UUID], receipts.Receipt]


def _sale(request: HttpRequest, pk: uuid.UUID) -> receipts.Receipt:
    sale = selectors.sale_get(sale_id=pk, user=request.user)
    url = request.build_absolute_uri(reverse("pos:sale-detail", kwargs={"sale_id": sale.pk}))
    return receipts.sale_receipt(tenant=request.tenant, sale=sale, url=url)


def _return(request: HttpRequest, pk: uuid.UUID) -> receipts.Receipt:
    ret = selectors.sale_return_get(return_id=pk, user=request.user)
    url = request.build_absolute_uri(reverse("pos:return-detail", kwargs={"return_id": ret.pk}))
    return receipts.return_receipt(tenant=request.tenant, ret=ret, url=url)


def _buyback(request: HttpRequest, pk: uuid.UUID) -> receipts.Receipt:
    row = selectors.buy_back_get(buy_back_id=pk, user=request.user)
    url = request.build_absolute_uri(reverse("pos:buyback-detail",
                                             kwargs={"buy_back_id": row.pk}))
    return receipts.buyback_receipt(tenant=request.tenant, row=row, url=url)


KINDS: dict[str, tuple[Builder, str, str]] = {
    # kind -> (builder, URL name prefix, URL kwarg)
    "sale": (_sale, "pos:sale-receipt", "sale_id"),
    "return": (_return, "pos:return-receipt", "return_id"),
    "buyback": (_buyback, "pos:buyback-receipt", "buy_back_id"),
}


def _page(request: HttpRequest, kind: str, pk: uuid.UUID, *, form=None,
          status: int = 200) -> HttpResponse:
    build, name, kwarg = KINDS[kind]
    receipt = build(request, pk)
    return render(request, "pos/receipt.html", {
        "receipt": receipt, "qr": receipts.qr_svg(receipt.url),
        "auto_print": request.GET.get("print") == "1",
        "pdf_url": reverse(f"{name}-pdf", kwargs={kwarg: pk}),
        "email_url": reverse(f"{name}-email", kwargs={kwarg: pk}),
        "form": form or ReceiptEmailForm()}, status=status)


def _pdf(request: HttpRequest, kind: str, pk: uuid.UUID) -> HttpResponse:
    receipt = KINDS[kind][0](request, pk)
    response = HttpResponse(receipts.receipt_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{receipt.number}.pdf"'
    return response


def _email(request: HttpRequest, kind: str, pk: uuid.UUID) -> HttpResponse:
    build, name, kwarg = KINDS[kind]
    form = ReceiptEmailForm(request.POST)
    if form.is_valid():
        receipt = build(request, pk)
        try:
            receipts.receipt_email_send(tenant=request.tenant, actor=request.user,
                                        receipt=receipt, to=form.cleaned_data["email"])
        except BusinessRuleError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(request, _("Receipt %(number)s sent to %(email)s.")
                             % {"number": receipt.number, "email": form.cleaned_data["email"]})
            return redirect(name, **{kwarg: pk})
    return _page(request, kind, pk, form=form, status=422)


@require_GET
@tenant_view()
def sale_receipt(request: HttpRequest, sale_id: uuid.UUID) -> HttpResponse:
    return _page(request, "sale", sale_id)


@require_GET
@tenant_view()
def sale_receipt_pdf(request: HttpRequest, sale_id: uuid.UUID) -> HttpResponse:
    return _pdf(request, "sale", sale_id)


@require_POST
@tenant_view()
def sale_receipt_email(request: HttpRequest, sale_id: uuid.UUID) -> HttpResponse:
    return _email(request, "sale", sale_id)


@require_GET
@tenant_view()
def return_receipt(request: HttpRequest, return_id: uuid.UUID) -> HttpResponse:
    return _page(request, "return", return_id)


@require_GET
@tenant_view()
def return_receipt_pdf(request: HttpRequest, return_id: uuid.UUID) -> HttpResponse:
    return _pdf(request, "return", return_id)


@require_POST
@tenant_view()
def return_receipt_email(request: HttpRequest, return_id: uuid.UUID) -> HttpResponse:
    return _email(request, "return", return_id)


@require_GET
@tenant_view()
def buyback_receipt(request: HttpRequest, buy_back_id: uuid.UUID) -> HttpResponse:
    return _page(request, "buyback", buy_back_id)


@require_GET
@tenant_view()
def buyback_receipt_pdf(request: HttpRequest, buy_back_id: uuid.UUID) -> HttpResponse:
    return _pdf(request, "buyback", buy_back_id)


@require_POST
@tenant_view()
def buyback_receipt_email(request: HttpRequest, buy_back_id: uuid.UUID) -> HttpResponse:
    return _email(request, "buyback", buy_back_id)


@require_GET
@tenant_view()
def receipt_logo(request: HttpRequest) -> FileResponse:
    """The shop's receipt logo, read through RLS (the shop's own settings row): media is
    never served as static files. Cached by the browser; a new logo has a new URL."""
    logo = selectors.pos_settings_get()
    if not logo.receipt_logo:
        raise Http404
    try:
        handle = logo.receipt_logo.storage.open(logo.receipt_logo.name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=logo.receipt_logo_type or "image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400"
    return response
