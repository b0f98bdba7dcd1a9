"""The demand commands on a fresh shop: each listing takes --json and says plainly when there is nothing."""

from __future__ import annotations

import json

from tests.conftest import Cli


def test_listings_on_an_empty_shop(initialised_cli: Cli) -> None:
    shown = initialised_cli("earned", "show", "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["earned"] == {"impressions": 0, "saves": 0, "outbound_clicks": 0} and data["top_earned"] == []
    listed = initialised_cli("surges", "list")
    assert listed.exit_code == 0 and "no pin took off in the last 30 days" in listed.output
    assert json.loads(initialised_cli("surges", "list", "--json").output) == []
    checked = initialised_cli("links", "check")
    assert checked.exit_code == 0 and "every link of a pin that still earns works" in checked.output
    digest = initialised_cli("notify", "digest")
    assert digest.exit_code == 0 and "Who pins your shop:" in digest.output


def test_acting_on_an_unknown_surge_is_one_clear_line(initialised_cli: Cli) -> None:
    result = initialised_cli("surges", "act", "99")
    assert result.exit_code == 2 and "no surge #99" in result.output and "Traceback" not in result.output
