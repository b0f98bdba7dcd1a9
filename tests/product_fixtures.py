"""Small, realistic shop exports and feeds for the product importer tests.

Photos are real (tiny) JPEG/PNG files in a folder the tests serve from 127.0.0.1; every export
points at them by URL, the way Shopify's CDN and Etsy's image links do.
"""

from __future__ import annotations

import csv
from pathlib import Path

from tests.helpers import make_photo

SHOPIFY_HEADER = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name", "Option3 Value",
    "Variant SKU", "Variant Grams", "Variant Inventory Tracker", "Variant Inventory Qty",
    "Variant Inventory Policy", "Variant Fulfillment Service", "Variant Price", "Variant Compare At Price",
    "Variant Requires Shipping", "Variant Taxable", "Variant Barcode", "Image Src", "Image Position",
    "Image Alt Text", "Gift Card", "SEO Title", "SEO Description", "Variant Image", "Variant Weight Unit",
    "Variant Tax Code", "Cost per item", "Status",
]  # fmt: skip

ETSY_HEADER = [
    "TITLE", "DESCRIPTION", "PRICE", "CURRENCY_CODE", "QUANTITY", "TAGS", "MATERIALS",
    *(f"IMAGE{n}" for n in range(1, 11)),
    "VARIATION 1 TYPE", "VARIATION 1 NAME", "VARIATION 1 VALUES",
    "VARIATION 2 TYPE", "VARIATION 2 NAME", "VARIATION 2 VALUES", "SKU",
]  # fmt: skip

LONG_BODY = (
    "<p>Each mug is <strong>wheel-thrown</strong> in our studio &amp; glazed in oatmeal speckle.</p>"
    "<ul><li>Holds 350 ml</li><li>Dishwasher safe</li></ul>"
    + "".join(f"<p>Care note {n}: hand washing keeps the glaze bright for years to come.</p>" for n in range(14))
    + "<script>trackView()</script>"
)


def make_photos(folder: Path) -> None:
    """The photos the exports link to (plus a page that pretends to be one)."""
    for i, name in enumerate(["mug-front", "mug-side", "mug-top", "bowl", "vase", "apron", "hoops-1", "hoops-2"]):
        make_photo(folder / f"{name}.jpg", color=(40 * i % 255, 120, 90))
    make_photo(folder / "pendant.png", fmt="PNG")
    make_photo(folder / "images" / "glaze.jpg", color=(10, 200, 30))
    make_photo(folder / "thumb.jpg", color=(200, 10, 30))
    make_photo(folder / "enclosure.jpg", color=(90, 90, 200))
    (folder / "page.html").write_text("<html><body>not a photo</body></html>")


def _row(header: list[str], **cells: str) -> list[str]:
    names = {h.lower().replace(" ", "_").replace("(", "").replace(")", ""): i for i, h in enumerate(header)}
    row = [""] * len(header)
    for key, value in cells.items():
        row[names[key]] = value
    return row


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def shopify_rows(base: str) -> list[list[str]]:
    """Rows 2-4: the mug (two variants, three photos); 5: bowl sold out; 6: vase untracked; 7: apron
    draft; 8: bad price; 9-10: a product whose second photo is missing on the server."""
    h = SHOPIFY_HEADER
    common = {"variant_inventory_tracker": "shopify", "variant_inventory_policy": "deny"}
    return [
        _row(h, handle="speckled-mug", title="Speckled stoneware mug", body_html=LONG_BODY, vendor="Clay & Co",
             tags="mug, stoneware, handmade", published="TRUE", option1_name="Size", option1_value="350 ml",
             variant_sku="MUG-S", variant_inventory_qty="4", variant_price="34.00", image_src=f"{base}/mug-front.jpg",
             image_position="1", status="active", **common),
        _row(h, handle="speckled-mug", option1_value="500 ml", variant_sku="MUG-L", variant_inventory_qty="0",
             variant_price="38.00", image_src=f"{base}/mug-top.jpg", image_position="3", **common),
        _row(h, handle="speckled-mug", image_src=f"{base}/mug-side.jpg", image_position="2"),
        _row(h, handle="sage-bowl", title="Sage glaze serving bowl", body_html="<p>A generous 24 cm bowl.</p>",
             tags="bowl", published="TRUE", option1_name="Title", option1_value="Default Title",
             variant_inventory_qty="0", variant_price="52.00", image_src=f"{base}/bowl.jpg", image_position="1",
             status="active", **common),
        _row(h, handle="bud-vase", title="Ribbed porcelain bud vase", body_html="Satin white.", published="TRUE",
             option1_name="Title", option1_value="Default Title", variant_inventory_qty="0",
             variant_inventory_policy="deny", variant_price="26", image_src=f"{base}/vase.jpg", image_position="1",
             status="active"),
        _row(h, handle="linen-apron", title="Linen studio apron", body_html="<p>Coming soon</p>", published="FALSE",
             option1_name="Title", option1_value="Default Title", variant_inventory_qty="9", variant_price="40.00",
             image_src=f"{base}/apron.jpg", image_position="1", status="draft", **common),
        _row(h, handle="glaze-kit", title="Glaze test kit", option1_name="Title", option1_value="Default Title",
             variant_price="thirty", image_src=f"{base}/bowl.jpg", status="active"),
        _row(h, handle="terracotta-planter", title="Terracotta planter", option1_name="Title",
             option1_value="Default Title", variant_price="29.00", variant_inventory_qty="3",
             image_src=f"{base}/vase.jpg", image_position="1", status="active", **common),
        _row(h, handle="terracotta-planter", image_src=f"{base}/missing.jpg", image_position="2"),
    ]  # fmt: skip


def etsy_rows(base: str) -> list[list[str]]:
    """Rows 2: hoops; 3: pendant sold out, no SKU; 4: bad quantity; 5: a 'photo' that is a web page;
    6: the hoops' SKU again."""
    h = ETSY_HEADER
    return [
        _row(h, title="Hammered silver hoop earrings", description="Lightweight hoops.\n\nMade to order in 3 days.",
             price="48.00", currency_code="USD", quantity="5", tags="earrings,silver hoops,minimalist",
             materials="sterling silver", image1=f"{base}/hoops-1.jpg", image2=f"{base}/hoops-2.jpg",
             variation_1_type="Size", variation_1_name="Size", variation_1_values="Small,Large", sku="HOOP-01"),
        _row(h, title="Moonstone drop pendant", description="A rainbow moonstone.", price="72.00", currency_code="USD",
             quantity="0", tags="necklace", image1=f"{base}/pendant.png"),
        _row(h, title="Brass leaf studs", description="Tiny leaves.", price="32.00", currency_code="USD",
             quantity="lots", image1=f"{base}/hoops-1.jpg", sku="STUD-02"),
        _row(h, title="Copper cuff", description="Hand-forged.", price="40.00", currency_code="USD", quantity="2",
             image1=f"{base}/page.html", sku="CUFF-03"),
        _row(h, title="Hoops again", description="Same SKU.", price="48.00", currency_code="USD", quantity="1",
             image1=f"{base}/hoops-1.jpg", sku="HOOP-01"),
    ]  # fmt: skip


def rss_feed(base: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>The Clay Blog</title><link>{base}/blog</link><description>Studio notes</description>
  <atom:link href="{base}/feed.xml" rel="self" type="application/rss+xml"/>
  <item>
    <title>How to glaze pottery at home</title>
    <link>{base}/blog/glazing-at-home</link>
    <guid isPermaLink="false">post-101</guid>
    <description><![CDATA[<p>Everything you need to glaze your first bowls <em>without</em>
      a studio.</p>]]></description>
    <category>tutorial</category><category>glazing</category>
    <media:content url="{base}/thumb.jpg" medium="image" width="1200" height="800"/>
  </item>
  <item>
    <title>Studio open day &amp; sale</title>
    <link>{base}/blog/open-day</link>
    <guid>{base}/blog/open-day</guid>
    <description>Come and throw a pot with us.</description>
    <enclosure url="{base}/enclosure.jpg" length="1234" type="image/jpeg"/>
  </item>
  <item>
    <title>Three glazes we love</title>
    <link>{base}/blog/three-glazes</link>
    <description>Our favourite recipes.</description>
    <content:encoded><![CDATA[<p>Intro</p><p><img src="/images/glaze.jpg" alt="glaze"></p>]]></content:encoded>
  </item>
  <item>
    <title>A post without a link</title>
    <description>Oops.</description>
  </item>
  <item>
    <title>Words only</title>
    <link>{base}/blog/words-only</link>
    <description>No pictures in this one.</description>
  </item>
</channel>
</rss>
"""


def atom_feed(base: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
  <title>Macrame Journal</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2026-03-01T10:00:00Z</updated>
  <entry>
    <title type="html">Make a macrame &lt;b&gt;plant hanger&lt;/b&gt; in an hour</title>
    <link rel="alternate" type="text/html" href="{base}/journal/plant-hanger"/>
    <link rel="enclosure" type="image/jpeg" href="{base}/enclosure.jpg"/>
    <id>tag:journal.example.com,2026:plant-hanger</id>
    <updated>2026-03-01T10:00:00Z</updated>
    <summary type="html">&lt;p&gt;Four knots, one ring and cotton cord.&lt;/p&gt;</summary>
    <category term="macrame"/><category term="tutorial"/>
  </entry>
  <entry>
    <title>Choosing cord</title>
    <link href="{base}/journal/cord"/>
    <id>tag:journal.example.com,2026:cord</id>
    <updated>2026-02-01T10:00:00Z</updated>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Cotton or jute?</p>
      <img src="{base}/images/glaze.jpg"/></div></content>
  </entry>
</feed>
"""
