"""Designs named as people name them: "Split block · light palette · subject crop", never the id
`split-block.light.subject` (which stays the stable key in the database, JSON and experiments).

The one place that turns a design id (a template name, "template.palette.crop" or the review's
"(none)" for a pin posted as its photo) into words; every report, table and CSV uses it.
"""

from __future__ import annotations

from pinbot.render.brand import PALETTES
from pinbot.render.crop import CROPS

NO_TEMPLATE = "(none)"
PALETTE_WORDS = {"brand": "brand colours", "accent": "accent colours", "light": "light palette", "dark": "dark palette"}
CROP_WORDS = {"subject": "subject crop", "close": "close-up crop", "centre": "centred crop"}
SEPARATOR = " · "


def template_name(template: str) -> str:
    """ "photo-band" -> "Photo band": the template's file name read as words."""
    words = template.replace("_", " ").replace("-", " ").split()
    if not words:
        return "Photo only"
    text = " ".join(words)
    return text[0].upper() + text[1:]


def design_name(design_id: str | None) -> str:
    """The design a person would recognise: the template, then the palette and crop when the id
    names them ("photo-band.dark.close" -> "Photo band · dark palette · close-up crop")."""
    design = (design_id or "").strip()
    if not design or design == NO_TEMPLATE:
        return "Photo only (no template)"
    parts = design.split(".")
    if len(parts) == 3 and parts[1] in PALETTES and parts[2] in CROPS:
        template, palette, crop = parts
        return SEPARATOR.join((template_name(template), PALETTE_WORDS[palette], CROP_WORDS[crop]))
    return template_name(design)


def design_template(design_id: str | None) -> str | None:
    """The template a design id is drawn with (what a board's `default_template` names)."""
    design = (design_id or "").strip()
    if not design or design == NO_TEMPLATE:
        return None
    return design.split(".", 1)[0]
