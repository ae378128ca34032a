"""Domain errors. A service raises one with a translated message the user can act on."""


class BusinessRuleError(Exception):
    """A rule of the shop was broken; the message is shown to the user as is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class LimitReached(BusinessRuleError):
    """The tenant's plan does not allow one more of something."""
