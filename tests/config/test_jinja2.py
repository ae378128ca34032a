"""config.jinja2: the register cart's environment; forms that look the same for every
request are drawn once per process and language, others each time."""

from django.utils import translation

from config import jinja2 as env
from pos.forms import DiscountForm, HoldForm, ScanForm


def _drawn(form) -> str:
    calls = []

    def macro(f) -> str:
        calls.append(f)
        return f"<p>{f['code'].label if 'code' in f.fields else f.prefix}</p>{f.errors}"

    return str(env.drawn_once(macro, form)), len(calls)


def test_an_unbound_form_is_drawn_once_per_language() -> None:
    env._DRAWN.clear()
    with translation.override("en"):
        first, n1 = _drawn(ScanForm())
        again, n2 = _drawn(ScanForm())
    with translation.override("fa"):
        persian, n3 = _drawn(ScanForm())
    assert (n1, n2, n3) == (1, 0, 1)
    assert first == again and "Scan or type" in first
    assert persian != first
    focused, n4 = _drawn(ScanForm(autofocus=True))  # other widget attributes: its own
    assert n4 == 1
    relabelled = ScanForm()
    relabelled.fields["code"].label = "Another shop's label"  # set per request: its own
    html, n5 = _drawn(relabelled)
    assert n5 == 1 and "Another shop" in html


def test_bound_forms_and_forms_with_choices_are_drawn_each_time() -> None:
    env._DRAWN.clear()
    with translation.override("en"):
        for _ in range(2):
            bound, n = _drawn(ScanForm({"code": ""}))
            assert n == 1 and "required" in bound
            _html, n = _drawn(DiscountForm())
            assert n == 1
    assert env._DRAWN == {}


def test_the_register_macro_gives_the_same_markup_kept_or_not() -> None:
    from django.template import engines

    from pos.carts import CartView

    empty = CartView(None, (), 0, 0, 0, 0)
    template = engines["jinja2"].env.get_template("pos/cart.html")
    env._DRAWN.clear()
    with translation.override("fa"):
        module = template.make_module({
            "cart": empty, "scan_form": ScanForm(), "hold_form": HoldForm(),
            "discount_form": DiscountForm(), "csrf": "", "cart_error": "", "balances": {}})
        fresh = str(module.form_fields(HoldForm()))
        kept = str(env.drawn_once(module.form_fields, HoldForm()))
        kept_again = str(env.drawn_once(module.form_fields, HoldForm()))
    assert fresh == kept == kept_again and 'name="name"' in fresh
    assert "نام" in fresh  # the Persian label
    assert [key[0] for key in env._DRAWN].count(HoldForm) == 1
