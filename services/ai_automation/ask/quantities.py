"""Times, thresholds, durations and the sun in a request: "after 22:00", "below 18 degrees", "for 5 minutes".

Parsed with regular expressions over the folded text (any case, accents removed), with the usual words
of en, de, sv, es, fr, it, nl. A bare number is a time only after a time word ("at 7", "um 7") or with
a clock form ("7:30", "7pm", "19 uhr"); durations are read first so "after 5 minutes" is no time.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_NUM = r"(-?\d+(?:[.,]\d+)?)"
_UNITS: dict[str, int] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds", "sekunde", "sekunden", "sekund", "sekunder",
                     "segundo", "segundos", "seconde", "secondes", "secondo", "secondi", "seconden"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "minuten", "minut", "minuter", "minuto",
                     "minutos", "minuti"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "stunde", "stunden", "timme", "timmar", "hora",
                     "horas", "heure", "heures", "ora", "ore", "uur"), 3600),
}  # fmt: skip
_SHORT_UNITS = frozenset({"s", "m", "h"})  # only after a "for" word: "7h" alone is a time
_FOR_WORDS = r"(?:for|fur|during|i|durante|pendant|per|voor|lang|longer than|more than)"
_DURATION = re.compile(rf"(?:(?P<pre>{_FOR_WORDS})\s+)?(?P<n>\d+(?:[.,]\d+)?)\s*(?P<unit>[a-z]+)\b")
_ABOVE = (r"above|over|more than|greater than|higher than|exceeds?|rises above|goes above|gets above|>"
          r"|uber|mehr als|hoher als|mer an|overstiger|sobre|mas de|encima de|supera|superior a"
          r"|au dessus de|plus de|depasse|sopra|oltre|boven|meer dan|hoger dan")  # fmt: skip
_BELOW = (r"below|under|less than|lower than|drops below|falls below|goes below|gets below|<"
          r"|unter|weniger als|niedriger als|mindre an|understiger|bajo|menos de|debajo de|inferior a"
          r"|en dessous de|moins de|sotto|meno di|onder|minder dan|lager dan")  # fmt: skip
_THRESHOLD = re.compile(rf"(?P<dir>{_ABOVE}|{_BELOW})\s*{_NUM}\s*(?P<unit>°\s*[cf]?|%|[a-z]+)?")
_BELOW_RE = re.compile(rf"^(?:{_BELOW})$")
_UNIT_CONCEPT = {
    "°": "@temperature", "c": "@temperature", "f": "@temperature", "degree": "@temperature",
    "degrees": "@temperature", "grad": "@temperature", "grader": "@temperature", "grados": "@temperature",
    "degres": "@temperature", "gradi": "@temperature", "%": "@humidity", "percent": "@humidity",
    "lux": "@illuminance", "lx": "@illuminance", "w": "@power", "watt": "@power", "watts": "@power",
    "kw": "@power",
}  # fmt: skip
_CLOCK = r"(?P<h>\d{1,2})(?:(?:[:.]|h)(?P<m>\d{2}))?\s*(?P<ap>a\.?m\.?|p\.?m\.?|uhr|h\b|o'?clock)?"
_AFTER_T = r"after|past|from|since|nach|ab|efter|fran|despues de|desde|apres|a partir de|dopo|dalle|na|vanaf"
_BEFORE_T = (
    r"before|until|till|vor|bis|fore|innan|antes de|hasta|avant|jusqu a|prima delle|prima|entro|voor|tot"
)
_AT_T = r"at|um|kl|klockan|a las|a la|a|alle|om|o|to"
_BETWEEN = re.compile(
    rf"(?:between|zwischen|mellan|entre|tra|fra|tussen)\s+{_CLOCK.replace('?P<', '?P<a_')}\s*"
    rf"(?:and|und|och|y|et|e|en|-)\s*{_CLOCK.replace('?P<', '?P<b_')}"
)
_TIMED = re.compile(rf"\b(?P<word>{_AFTER_T}|{_BEFORE_T}|{_AT_T})\s+{_CLOCK}")
_SUNSET = (
    "sunset",
    "dusk",
    "sonnenuntergang",
    "solnedgang",
    "atardecer",
    "coucher du soleil",
    "tramonto",
    "zonsondergang",
    "dark",
    "dunkel",
    "mork",
    "oscuro",
    "night",
    "nacht",
    "natt",
    "noche",
    "nuit",
    "notte",
)
_SUNRISE = ("sunrise", "dawn", "sonnenaufgang", "soluppgang", "amanecer", "lever du soleil", "alba",
            "zonsopgang")  # fmt: skip


@dataclass(frozen=True)
class Quantities:
    """What a request says about when and how much (None: not said)."""

    at: str | None = None
    after: str | None = None
    before: str | None = None
    above: float | None = None
    below: float | None = None
    unit_concept: str | None = None
    for_seconds: int | None = None
    sun_event: str | None = None
    sun_is_trigger: bool = False

    def said(self) -> list[str]:
        """What was understood, in words (for the explanation)."""
        out = []
        for name, value in (("at", self.at), ("after", self.after), ("before", self.before),
                            ("above", self.above), ("below", self.below)):  # fmt: skip
            if value is not None:
                out.append(f"{name} {value}")
        if self.for_seconds:
            out.append(f"for {self.for_seconds} s")
        if self.sun_event:
            out.append(f"{'at' if self.sun_is_trigger else 'after'} {self.sun_event}")
        return out


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation kept (times and units need it)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _clock(h: str | None, m: str | None, ap: str | None) -> str | None:
    if h is None:
        return None
    hour, minute = int(h), int(m or 0)
    marker = (ap or "").replace(".", "")
    if marker.startswith("p") and hour < 12:
        hour += 12
    elif marker.startswith("a") and marker != "" and hour == 12:
        hour = 0
    if hour > 24 or minute > 59:
        return None
    return f"{hour % 24:02d}:{minute:02d}:00"


def _durations(text: str) -> tuple[int | None, str]:
    """The first duration and the text with every duration blanked (so it is read as no time)."""
    found: int | None = None
    out = text
    for m in _DURATION.finditer(text):
        unit = m.group("unit")
        factor = _UNITS.get(unit)
        if factor is None or (unit in _SHORT_UNITS and not m.group("pre")):
            continue
        seconds = int(float(m.group("n").replace(",", ".")) * factor)
        if found is None and 0 < seconds <= 7 * 86_400:
            found = seconds
        out = out[: m.start()] + " " * (m.end() - m.start()) + out[m.end() :]
    return found, out


def _has_word(text: str, words: tuple[str, ...]) -> str | None:
    return next((w for w in words if re.search(rf"\b{re.escape(w)}\b", text)), None)


def parse(request: str) -> Quantities:
    """The times, thresholds, duration and sun event of a request."""
    text = fold(request)
    for_seconds, text = _durations(text)
    above: float | None = None
    below: float | None = None
    unit_concept: str | None = None
    for m in _THRESHOLD.finditer(text):
        number = float(m.group(2).replace(",", "."))
        if _BELOW_RE.match(m.group("dir")):
            below = number if below is None else below
        else:
            above = number if above is None else above
        unit = (m.group("unit") or "").replace(" ", "")
        unit_concept = (
            unit_concept or _UNIT_CONCEPT.get(unit) or _UNIT_CONCEPT.get(unit[:1] if unit[:1] == "°" else "")
        )
        text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]
    at: str | None = None
    after: str | None = None
    before: str | None = None
    between = _BETWEEN.search(text)
    if between:
        after = _clock(between.group("a_h"), between.group("a_m"), between.group("a_ap"))
        before = _clock(between.group("b_h"), between.group("b_m"), between.group("b_ap"))
        text = text[: between.start()] + " " * (between.end() - between.start()) + text[between.end() :]
    for m in _TIMED.finditer(text):
        word = m.group("word")
        clock_form = m.group("m") is not None or m.group("ap") is not None
        if not clock_form and word in ("a", "o", "to", "om", "na", "from", "since"):
            continue  # "a 5", "to 20": too ambiguous without a clock form
        value = _clock(m.group("h"), m.group("m"), m.group("ap"))
        if value is None:
            continue
        if re.fullmatch(_AFTER_T, word):
            after = after or value
        elif re.fullmatch(_BEFORE_T, word):
            before = before or value
        else:
            at = at or value
    sun_event = None
    sun_trigger = False
    sunset, sunrise = _has_word(text, _SUNSET), _has_word(text, _SUNRISE)
    if sunset or sunrise:
        sun_event = "sunset" if sunset else "sunrise"
        word = sunset or sunrise or ""
        sun_trigger = bool(
            re.search(rf"\b(?:{_AT_T}|when|wenn|nar|cuando|quand|quando)\s+(?:the\s+)?{word}", text)
        )
    return Quantities(at, after, before, above, below, unit_concept, for_seconds, sun_event, sun_trigger)
