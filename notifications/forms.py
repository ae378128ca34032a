"""The notification preferences form: for each staff event, in the app and by email."""

from typing import Any

from django import forms

from .events import STAFF_EVENTS


def _field(event: str, channel: str) -> str:
    return f"{event.replace('.', '_')}__{channel}"


class PreferencesForm(forms.Form):
    def __init__(self, *args: Any, current: dict[str, tuple[bool, bool]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = []
        for event, spec in STAFF_EVENTS.items():
            in_app, email = current[event]
            self.fields[_field(event, "in_app")] = forms.BooleanField(
                required=False, initial=in_app, label=spec.label)
            self.fields[_field(event, "email")] = forms.BooleanField(
                required=False, initial=email, label=spec.label)
            self.rows.append((spec.label, self[_field(event, "in_app")],
                              self[_field(event, "email")]))

    def choices(self) -> dict[str, tuple[bool, bool]]:
        data = self.cleaned_data
        return {event: (data[_field(event, "in_app")], data[_field(event, "email")])
                for event in STAFF_EVENTS}
