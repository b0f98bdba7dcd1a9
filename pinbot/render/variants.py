"""Design variants: template × palette × crop, with ids that never change for the same input
("photo-band.brand.subject"), so experiments can compare designs across renders and days.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from pinbot.errors import InvalidInput
from pinbot.render.brand import PALETTES
from pinbot.render.crop import CROPS
from pinbot.render.fits import infos_for, template_fits
from pinbot.render.template_file import list_templates, load_template
from pinbot.render.templates import Template
from pinbot.render.types import RenderRequest, Variant

DEFAULT_CROP = "subject"


def resolve_variant(req: RenderRequest, tpl: Template) -> Variant:
    """The variant a request asks for: "template.palette.crop", "palette.crop", or the template's
    default look (its default palette, subject crop) for no variant or the bare template name, which
    is what a pin queued with `--template` alone or an experiment arm named by its template carries."""
    name = (req.variant or "").strip()
    if not name or name == tpl.name:
        return Variant(tpl.name, tpl.default_palette, DEFAULT_CROP)
    parts = name.split(".")
    if len(parts) == 3:
        template, palette, crop = parts
        if template != tpl.name:
            raise InvalidInput("variant", f"{req.variant!r} belongs to template {template!r}, not {tpl.name!r}")
    elif len(parts) == 2:
        palette, crop = parts
    else:
        expected = f"expected {tpl.name}, TEMPLATE.PALETTE.CROP or PALETTE.CROP"
        raise InvalidInput("variant", f"{req.variant!r}: {expected}, e.g. {tpl.name}.brand.subject")
    if palette not in PALETTES:
        raise InvalidInput("variant", f"{req.variant!r}: unknown palette {palette!r} ({', '.join(PALETTES)})")
    if crop not in CROPS:
        raise InvalidInput("variant", f"{req.variant!r}: unknown crop {crop!r} ({', '.join(CROPS)})")
    return Variant(tpl.name, palette, crop)


def suitable_templates(assets_dir: Path, photos: Sequence[Path] | None) -> tuple[list[str], dict[str, str]]:
    """The templates that can show this product whole and uncovered, and why each other one cannot."""
    templates = list_templates(assets_dir)
    if photos is None:
        return templates, {}
    infos = infos_for(photos)
    fit: list[str] = []
    why: dict[str, str] = {}
    for name in templates:
        ok, reason = template_fits(infos, load_template(assets_dir, name))
        if ok:
            fit.append(name)
        else:
            why[name] = reason
    return fit, why


def variants_for(product_key: str, n: int, assets_dir: Path, photos: Sequence[Path] | None = None) -> list[Variant]:
    """`n` distinct variants for one product: templates first (the biggest visual difference),
    then palettes and crops together (each round changes both, so the sixth design does not look
    like the first). Templates that do not suit the product's `photos` are skipped. The product
    key only rotates palettes and crops, so two products do not get identical second choices; the
    same key and photos always give the same list."""
    templates, _ = suitable_templates(assets_dir, photos)
    return variants_over(product_key, n, templates)


def variants_over(product_key: str, n: int, templates: Sequence[str]) -> list[Variant]:
    """`variants_for` over a known list of templates (a loop lists the folder once per pass)."""
    if n <= 0 or not templates:
        return []
    digest = hashlib.sha256(product_key.encode("utf-8")).digest()
    p_off, c_off = digest[0] % len(PALETTES), digest[1] % len(CROPS)
    nt, np_, nc = len(templates), len(PALETTES), len(CROPS)
    out: list[Variant] = []
    for i in range(min(n, nt * np_ * nc)):
        t = templates[i % nt]
        r = i // nt  # the round: every (palette, crop) pair once over np_ * nc rounds
        p = PALETTES[(r + p_off) % np_]
        c = CROPS[(r + r // np_ + c_off) % nc]
        out.append(Variant(t, p, c))
    return out
