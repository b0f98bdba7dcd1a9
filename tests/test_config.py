"""Settings: defaults, validation with the setting's name, secrets that never show."""

from __future__ import annotations

from pathlib import Path

import pytest

from pinbot.config import SETTING_DOCS, Settings
from pinbot.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent


def test_defaults(tmp_path: Path) -> None:
    s = Settings.from_mapping({}, base_dir=tmp_path)
    assert s.api_base == "https://api.pinterest.com/v5"
    assert s.database_url == f"sqlite:///{tmp_path / '.pinbot' / 'pinbot.db'}"
    assert s.boards_dir == tmp_path / "boards" and s.timezone == "UTC" and s.access_tier == "trial"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PINBOT_TIMEZONE", "Mars/Olympus"),
        ("PINTEREST_ACCESS_TIER", "gold"),
        ("PINTEREST_API_BASE", "ftp://x"),
        ("PINBOT_DATABASE_URL", "mysql://x"),
        ("PINTEREST_CONTINUOUS_REFRESH", "maybe"),
        ("PINBOT_LOG_LEVEL", "loud"),
    ],
)
def test_bad_values_name_the_setting(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_mapping({name: value})


def test_secrets_never_show() -> None:
    canaries = {
        "PINTEREST_APP_SECRET": "CANARY-secret-1",
        "PINTEREST_ACCESS_TOKEN": "pina_CANARY_access_2",
        "PINTEREST_REFRESH_TOKEN": "pinr_CANARY_refresh_3",
    }
    s = Settings.from_mapping({**canaries, "PINBOT_DATABASE_URL": "postgresql://bob:CANARYpw@db/shop"})
    shown = repr(s) + str(s) + str(s.describe()) + f"{s.app_secret}"
    for value in [*canaries.values(), "CANARYpw"]:
        assert value not in shown
    assert s.access_token.get() == "pina_CANARY_access_2"
    assert s.database_url.startswith("postgresql+psycopg://")


def test_env_example_lists_every_setting() -> None:
    text = (REPO / ".env.example").read_text()
    for name in SETTING_DOCS:
        assert f"{name}=" in text, name
