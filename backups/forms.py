from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant

from .models import BackupRun


class ExportForm(forms.Form):
    tenant = forms.ModelChoiceField(
        label=_("Shop"), queryset=Tenant.objects.none(), empty_label=None)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["tenant"].queryset = Tenant.objects.using("platform").filter(
            status=Tenant.Status.ACTIVE).order_by("name")


class DumpForm(forms.Form):
    """Start the portable database copy (pg_dump) now; used with prefix "dump"."""

    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class RestoreForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=BackupRun.Mode.choices,
                             widget=forms.RadioSelect, initial=BackupRun.Mode.MERGE,
                             help_text=_("Replace: the shop's data becomes exactly the export's. "
                                         "Merge: only rows missing now are added back."))
    reason = forms.CharField(label=_("Reason"), max_length=300)
    confirm_slug = forms.CharField(label=_("Type the shop's address to confirm"), max_length=80)
