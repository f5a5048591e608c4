"""What the PDFs' Chinese font can print: a gap for a character beyond U+FFFF, never another
character; a name's variation selector left out, its base character kept."""

from pointsmart.pdf_fonts import MISSING, markup, printable


def test_a_character_beyond_the_fonts_encoding_is_a_gap():
    assert printable("王\U00020bb7") == "王" + MISSING


def test_a_variation_selector_is_left_out_and_its_character_kept():
    assert printable("葛\U000e0100明") == "葛明"
    assert printable("邉\ufe00") == "邉"


def test_markup_is_printable_and_escaped_for_a_paragraph():
    assert markup("<b>张&三\U00020bb7") == "&lt;b&gt;张&amp;三" + MISSING
