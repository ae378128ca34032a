from django import forms
from django.utils.translation import gettext_lazy as _

from .access import STAFF_MANAGERS
from .models import Branch, User


class StaffForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    role = forms.ChoiceField(label=_("Role"))
    branch = forms.ModelChoiceField(
        label=_("Branch"),
        queryset=Branch.objects.none(),
        required=False,
        empty_label=_("All branches"),
    )

    def __init__(self, *args: object, actor: User, editing: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        roles = [(value, label) for value, label in User.Role.choices if value != "platform_admin"]
        if actor.role == User.Role.MANAGER:
            roles = [(v, lbl) for v, lbl in roles if v not in STAFF_MANAGERS]
        self.fields["role"].choices = roles
        # Evaluated inside the request's tenant scope: RLS lists this shop's branches only.
        branches = Branch.objects.filter(is_active=True).order_by("name")
        if actor.role == User.Role.MANAGER:
            from guardian.shortcuts import get_objects_for_user

            from .access import MANAGE_BRANCH

            # Managers place people only in the branches they run.
            branches = get_objects_for_user(
                actor, MANAGE_BRANCH, klass=branches, accept_global_perms=False
            )
            self.fields["branch"].required = True
            self.fields["branch"].empty_label = None
        self.fields["branch"].queryset = branches
        if editing:
            del self.fields["email"]


class BranchForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    code = forms.CharField(
        label=_("Code"), max_length=20, help_text=_("Short code used on receipts and transfers.")
    )
    address = forms.CharField(
        label=_("Address"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    opening_hours = forms.CharField(label=_("Opening hours"), max_length=200, required=False)


class SecurityForm(forms.Form):
    require_mfa = forms.BooleanField(
        label=_("Require two-factor sign-in for all staff"),
        required=False,
        help_text=_(
            "Everybody in your shop will set up an authenticator app at their next sign-in."
        ),
    )


class CodeForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text=_(
            "The 6-digit code from your authenticator app, or one of your 8-digit backup codes."
        ),
    )


class CurrentPasswordForm(forms.Form):
    """A form that asks for the signed-in user's current password (PinForm,
    PinRemoveForm): `user` is whose."""

    password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your current password."))
        return password


class PinForm(CurrentPasswordForm):
    """Set or change one's own register PIN: typed twice, with the current password
    (so a signed-in session left open, or someone acting as the user, cannot set it).
    The PIN's own rules (4 to 8 digits, any keyboard's digits) are
    services.user_pin_set's; here it only has to match its confirmation."""

    field_order = ("pin", "pin_confirm", "password")
    pin = forms.CharField(
        label=_("New PIN"),
        max_length=32,
        strip=True,
        help_text=_(
            "4 to 8 digits. You type it on the cashier's screen to approve a "
            "discount or a return over the shop's limits."
        ),
        widget=forms.PasswordInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "dir": "ltr"}
        ),
    )
    pin_confirm = forms.CharField(
        label=_("New PIN again"),
        max_length=32,
        strip=True,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "dir": "ltr"}
        ),
    )

    def clean(self) -> dict:
        from .services import pin_typed

        data = super().clean()
        pin, again = data.get("pin"), data.get("pin_confirm")
        if pin and again and pin_typed(pin) != pin_typed(again):
            self.add_error("pin_confirm", _("The two PINs are not the same."))
        return data


class PinRemoveForm(CurrentPasswordForm):
    """Remove one's own register PIN, with the current password."""
