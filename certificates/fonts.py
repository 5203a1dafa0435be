"""The certificate's fonts: Latin subsets of the DejaVu faces in static/fonts, and how to make them.

Every PDF embeds only the glyphs it uses, so WeasyPrint subsets each face for each certificate.
Subsetting a full DejaVu face (about 6,000 glyphs) took a large part of writing a certificate;
the same work on a face cut down to the Latin letters and punctuation takes a fraction of it.
So the stylesheet names these Latin faces first and the full faces after them: a character
outside the Latin ranges (a Greek letter in a unit title, say) is drawn from the full face,
exactly as before, so a certificate never shows a missing glyph that the full face has
(docs/decisions/0165-certificate-fonts-and-footer-laid-out-once.md).

The subsets are made offline and shipped:

    .venv/bin/python -m certificates.fonts      # rewrites static/fonts/*-Latin.ttf
"""

from __future__ import annotations

from pathlib import Path

FONTS_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"

# The faces the certificate stylesheet declares (certificates/certificate.css).
FACES = ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSerif-Italic")

# Names are letters of the Latin alphabet with accents (R-LRN-2), hyphens, apostrophes
# and dots; titles add digits, punctuation and typographic quotes and dashes.
LATIN_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 Supplement
    (0x0100, 0x017F),  # Latin Extended-A
    (0x0180, 0x024F),  # Latin Extended-B
    (0x02B0, 0x02FF),  # Spacing modifier letters (the okina, the modifier apostrophe)
    (0x0300, 0x036F),  # Combining diacritical marks (names typed decomposed)
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Welsh ẁ ẃ ỳ, Vietnamese)
    (0x2000, 0x206F),  # General punctuation (dashes, quotes, ellipsis, spaces)
    (0x20A0, 0x20CF),  # Currency symbols (€)
    (0x2100, 0x214F),  # Letterlike symbols (™ №)
    (0xFB00, 0xFB06),  # Latin ligatures
)


def latin_codepoints() -> list[int]:
    return [code for start, end in LATIN_RANGES for code in range(start, end + 1)]


def latin_path(face: str) -> Path:
    return FONTS_DIR / f"{face}-Latin.ttf"


def subset_latin(source: Path, target: Path) -> None:
    """Keep the Latin characters of `source` with everything that shapes them (kerning,
    ligatures, hinting, names), so text set in the subset lays out exactly as in the full face."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.hinting = True
    options.notdef_outline = True
    options.glyph_names = False
    options.drop_tables += ["FFTM"]  # FontForge's timestamp: keeps the output reproducible
    font = TTFont(str(source), recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=latin_codepoints())
    subsetter.subset(font)
    font.save(str(target))


def main() -> None:
    for face in FACES:
        subset_latin(FONTS_DIR / f"{face}.ttf", latin_path(face))
        print(f"{latin_path(face).name}: {latin_path(face).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
