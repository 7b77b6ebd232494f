"""Synergy suggestions as one persistent notification per entry: what is new, with the YAML to paste.

Shown again only when the set of open suggestions changes (a notification the owner closed does not come
back for the same list); removed when nothing is open. Accepting or dismissing goes through
`homeiq.feedback`, whose call is written under each suggestion.
"""

from __future__ import annotations

from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant, callback

from .const import DOMAIN, SUGGESTIONS_NOTIFIED
from .payloads import Suggestion


def notification_id(entry_id: str) -> str:
    """The entry's suggestions notification."""
    return f"{DOMAIN}_suggestions_{entry_id}"


def suggestion_markdown(suggestion: Suggestion) -> str:
    """One suggestion: what it does and its YAML, ready to paste into automations.yaml."""
    return f"**{suggestion.title}**\n\n```yaml\n{suggestion.automation_yaml.strip()}\n```"


def _feedback_hint(suggestion: Suggestion) -> str:
    return (
        f"Accept or dismiss: action `homeiq.feedback` with `suggestion_id: {suggestion.suggestion_id}` "
        "and `verdict: accept` or `dismiss`."
    )


class SuggestionNotifier:
    """Keeps an entry's notification in step with the suggestions nobody has answered yet."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        self.hass = hass
        self.entry_id = entry_id
        self.shown: frozenset[str] = frozenset()

    @callback
    def update(self, suggestions: list[Suggestion] | None) -> None:
        """Notify when the open suggestions changed; dismiss the notification when none is open."""
        open_ = [s for s in suggestions or [] if s.feedback is None and s.suggestion_id]
        ids = frozenset(s.suggestion_id for s in open_ if s.suggestion_id)
        if ids == self.shown:
            return
        self.shown = ids
        if not open_:
            persistent_notification.async_dismiss(self.hass, notification_id(self.entry_id))
            return
        parts = [f"{suggestion_markdown(s)}\n\n{_feedback_hint(s)}" for s in open_[:SUGGESTIONS_NOTIFIED]]
        more = len(open_) - SUGGESTIONS_NOTIFIED
        if more > 0:
            parts.append(f"... and {more} more in the suggestions sensor's attributes.")
        persistent_notification.async_create(
            self.hass,
            "\n\n---\n\n".join(parts),
            title=f"HomeIQ suggests {len(open_)} automation{'s' if len(open_) > 1 else ''}",
            notification_id=notification_id(self.entry_id),
        )

    @callback
    def clear(self) -> None:
        """Remove the notification (on unload)."""
        self.shown = frozenset()
        persistent_notification.async_dismiss(self.hass, notification_id(self.entry_id))
