"""Etsy writes its listings export in the seller's language: the header names, mapped to English.

Known from real exports: English, and Italian (TITOLO, DESCRIZIONE, PREZZO, QUANTITÀ, TAG,
MATERIALI, IMMAGINE1.., TIPO/NOME/VALORI VARIANTE n; CURRENCY_CODE and SKU stay English). German
(TITEL, BESCHREIBUNG, PREIS, WÄHRUNGSCODE, STÜCKZAHL, BILD1.., BESTANDSEINHEIT) is the header an
importer built for German Etsy exports reads. For the other languages Etsy offers, no export has
been seen, so their names are not guessed: the language is recognised from a few words and the
owner is told, in one line, how to download the export in English.
"""

from __future__ import annotations

from pinbot.importers.common import CsvTable, norm

# English name -> the localised name, per language whose export has been seen.
_KNOWN: dict[str, dict[str, str]] = {
    "Italian": {
        "TITLE": "TITOLO",
        "DESCRIPTION": "DESCRIZIONE",
        "PRICE": "PREZZO",
        "QUANTITY": "QUANTITÀ",
        "TAGS": "TAG",
        "MATERIALS": "MATERIALI",
        **{f"IMAGE{n}": f"IMMAGINE{n}" for n in range(1, 11)},
        **{f"VARIATION {n} TYPE": f"TIPO VARIANTE {n}" for n in (1, 2)},
        **{f"VARIATION {n} NAME": f"NOME VARIANTE {n}" for n in (1, 2)},
        **{f"VARIATION {n} VALUES": f"VALORI VARIANTE {n}" for n in (1, 2)},
    },
    "German": {
        "TITLE": "TITEL",
        "DESCRIPTION": "BESCHREIBUNG",
        "PRICE": "PREIS",
        "CURRENCY_CODE": "WÄHRUNGSCODE",
        "QUANTITY": "STÜCKZAHL",
        "MATERIALS": "MATERIALIEN",
        "SKU": "BESTANDSEINHEIT",
        **{f"IMAGE{n}": f"BILD{n}" for n in range(1, 11)},
        **{f"VARIATION {n} TYPE": f"VARIATIONSTYP {n}" for n in (1, 2)},
        **{f"VARIATION {n} NAME": f"VARIATIONSNAME {n}" for n in (1, 2)},
        **{f"VARIATION {n} VALUES": f"VARIATIONSWERT {n}" for n in (1, 2)},
    },
}

# Words that give away the language of an export whose header names are not known here (the title
# and price columns, as each language names them). German's TITEL is also Dutch: PRIJS decides.
_SIGNS: dict[str, tuple[tuple[str, ...], ...]] = {
    "French": (("TITRE",), ("PRIX",), ("QUANTITÉ",)),
    "Spanish": (("TÍTULO", "PRECIO"), ("CANTIDAD",)),
    "Portuguese": (("TÍTULO", "PREÇO"), ("PREÇO",), ("QUANTIDADE",)),
    "Dutch": (("PRIJS",), ("AANTAL",), ("TITEL", "PRIJS")),
    "Polish": (("TYTUŁ",), ("CENA",)),
    "Japanese": (("タイトル",), ("価格",)),
    "Russian": (("НАЗВАНИЕ",), ("ЦЕНА",)),
}


def to_english(table: CsvTable) -> str | None:
    """Add English names for a localised header's columns (the file's own names stay, for
    messages); return the language, or None when the header is English (or not Etsy's)."""
    if table.has("TITLE", "PRICE"):
        return None
    for language, names in _KNOWN.items():
        if all(norm(local) in table.columns for local in (names["TITLE"], names["PRICE"])) and any(
            norm(names[f"IMAGE{n}"]) in table.columns for n in (1, 2)
        ):
            for english, local in names.items():
                index = table.columns.get(norm(local))
                if index is not None and norm(english) not in table.columns:
                    table.columns[norm(english)] = index
            return language
    return None


def unsupported_language(table: CsvTable) -> str | None:
    """The language of an Etsy export whose header names pinbot does not know, else None."""
    present = set(table.columns)
    for language, signs in _SIGNS.items():
        if any(all(norm(word) in present for word in sign) for sign in signs):
            return language
    return None


def english_export_hint(language: str) -> str:
    known = ", ".join(["English", *_KNOWN])
    return (
        f"this looks like an Etsy export in {language}; pinbot reads Etsy exports in {known}. "
        "Switch Etsy to English (the language setting at the foot of any etsy.com page), download the "
        "listings again (Shop Manager > Settings > Options > Download Data) and import that file"
    )
