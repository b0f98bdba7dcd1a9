"""The posting rules file: defaults without a file, every key validated, errors name the key."""

from __future__ import annotations

import tomllib
from datetime import time
from pathlib import Path

import pytest

from pinbot.errors import InvalidInput
from pinbot.shop.rules import EXAMPLE, Rules, ScheduleRules, ServiceRules, Window, load_rules


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pinbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_the_file_is_absent(tmp_path: Path) -> None:
    rules = load_rules(tmp_path / "missing.toml")
    assert rules == Rules() and rules.path is None
    s = rules.schedule
    assert (s.daily_cap, s.same_link_hours, s.board_interval_days, s.max_boards_per_product) == (15, 48, 7, 10)


def test_the_documented_example_equals_the_defaults(tmp_path: Path) -> None:
    assert load_rules(_write(tmp_path, EXAMPLE)).schedule == ScheduleRules()
    assert set(tomllib.loads(EXAMPLE)["schedule"]) == set(ScheduleRules().describe())
    assert load_rules(_write(tmp_path, EXAMPLE)).service == ServiceRules()


def test_service_section(tmp_path: Path) -> None:
    rules = load_rules(_write(tmp_path, "[service]\nreconcile_grace_seconds = 5\n"))
    assert rules.service.reconcile_grace_seconds == 5 and rules.service.idle_poll_seconds == 30
    with pytest.raises(InvalidInput, match=r"service\.idle_poll_seconds: must be between 1 and 3600"):
        load_rules(_write(tmp_path, "[service]\nidle_poll_seconds = 0\n"))
    with pytest.raises(InvalidInput, match=r"service\.grace: unknown key"):
        load_rules(_write(tmp_path, "[service]\ngrace = 1\n"))


def test_values_are_read(tmp_path: Path) -> None:
    rules = load_rules(
        _write(
            tmp_path,
            '[schedule]\nwindows = ["18:00-21:00", "07:30-09:00"]\ndays = ["Monday", "fri"]\n'
            "daily_cap = 5\njitter_minutes = 0\n[other]\nkept = 1\n",
        )
    )
    s = rules.schedule
    assert s.windows == (Window(time(7, 30), time(9, 0)), Window(time(18, 0), time(21, 0)))
    assert s.days == ("mon", "fri") and s.weekdays == frozenset({0, 4})
    assert (s.daily_cap, s.jitter_minutes) == (5, 0)


@pytest.mark.parametrize(
    ("body", "key", "reason"),
    [
        ("daily_cap = 0", "schedule.daily_cap", "between 1 and 100"),
        ('daily_cap = "ten"', "schedule.daily_cap", "whole number"),
        ("daily_cap = true", "schedule.daily_cap", "whole number"),
        ("max_boards_per_product = 11", "schedule.max_boards_per_product", "between 1 and 10"),
        ("board_interval_days = 0", "schedule.board_interval_days", "between 1 and 90"),
        ('windows = ["9-11"]', "schedule.windows", "HH:MM-HH:MM"),
        ('windows = ["22:00-02:00"]', "schedule.windows", "ends before it starts"),
        ('windows = ["09:00-12:00", "11:00-13:00"]', "schedule.windows", "overlap"),
        ('windows = ["25:00-26:00"]', "schedule.windows", "valid time"),
        ("windows = []", "schedule.windows", "non-empty"),
        ('days = ["someday"]', "schedule.days", "unknown day"),
        ("dailycap = 3", "schedule.dailycap", "unknown key"),
    ],
)
def test_errors_name_the_file_and_key(tmp_path: Path, body: str, key: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as err:
        load_rules(_write(tmp_path, f"[schedule]\n{body}\n"))
    assert err.value.field == key and reason in err.value.reason
    assert str(err.value).startswith(f"pinbot.toml: {key}: ")


def test_broken_toml_and_wrong_section_type(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"pinbot\.toml: toml"):
        load_rules(_write(tmp_path, "[schedule\n"))
    with pytest.raises(InvalidInput, match="schedule: must be a table"):
        load_rules(_write(tmp_path, 'schedule = "x"\n'))
