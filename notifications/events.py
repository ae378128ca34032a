"""What each event says to the customer, in the shop's languages (English and
Persian through the message catalogue). `context` holds the values the text uses."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class EventText:
    subject: str | Promise
    body: str | Promise


EVENTS: dict[str, EventText] = {
    "repair.quoted": EventText(
        _("Your repair R-%(number)s: estimate"),
        _("%(shop)s: the estimate for your repair R-%(number)s is %(total)s. "
          "Please tell us whether to go ahead."),
    ),
    "repair.ready": EventText(
        _("Your repair R-%(number)s is ready"),
        _("%(shop)s: your repair R-%(number)s is ready for pickup at %(branch)s. "
          "Balance due: %(balance)s."),
    ),
    "repair.overdue": EventText(
        _("Your repair R-%(number)s is delayed"),
        _("%(shop)s: we are sorry, your repair R-%(number)s is taking longer than "
          "promised. We will tell you as soon as it is ready."),
    ),
}


@dataclass(frozen=True)
class StaffEvent:
    label: str | Promise
    in_app: bool = True  # defaults when the user has not chosen
    email: bool = False


# Events that notify staff (in-app and/or by email, per NotificationPreference).
STAFF_EVENTS: dict[str, StaffEvent] = {
    "transfer.request": StaffEvent(_("A transfer waits for approval")),
    "transfer.approve": StaffEvent(_("A transfer was approved and can be dispatched")),
    "transfer.ship": StaffEvent(_("A transfer is on its way")),
    "transfer.receive": StaffEvent(_("A transfer was received")),
    "repair.overdue": StaffEvent(_("A repair order is past its promised date")),
}
