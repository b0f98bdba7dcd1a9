"""The emulator over real HTTP: pins, validation, pagination, OAuth, rate limits, faults, control, state."""

from __future__ import annotations

import base64
import http.client
import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from PIL import Image

from pinbot.clock import FakeClock
from pinbot.emulator import Emulator
from pinbot.links import marker_for, tagged_link

APP_ID, APP_SECRET = "1234", "emulator-test-secret"


def image_b64(fmt: str = "JPEG", size: tuple[int, int] = (40, 60)) -> str:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 120, 80)).save(buf, fmt)
    return base64.b64encode(buf.getvalue()).decode("ascii")


JPEG = image_b64()


def new_marker() -> str:
    return marker_for(uuid.uuid4().hex)


def pin_body(board_id: str, marker: str | None = None, design: str = "d1", **extra: Any) -> dict[str, Any]:
    link = tagged_link("https://shop.example/p/1", marker=marker or new_marker(), campaign="c", design=design)
    body: dict[str, Any] = {
        "board_id": board_id,
        "title": "A mug",
        "description": "Hand thrown",
        "link": link,
        "alt_text": "A blue mug",
        "media_source": {"source_type": "image_base64", "content_type": "image/jpeg", "data": JPEG},
    }
    body.update(extra)
    return body


class Api:
    """requests with the Bearer token set, against one emulator."""

    def __init__(self, emu: Emulator, token: str | None = None) -> None:
        self.emu = emu
        self.base = emu.base_url
        self.session = requests.Session()
        self.token = token or emu.mint_tokens()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.base + path, params=params, timeout=5)

    def post(self, path: str, body: dict[str, Any], **kw: Any) -> requests.Response:
        return self.session.post(self.base + path, json=body, timeout=kw.pop("timeout", 5), **kw)

    def delete(self, path: str) -> requests.Response:
        return self.session.delete(self.base + path, timeout=5)

    def board(self, name: str = "Mugs") -> str:
        r = self.post("/boards", {"name": name})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[Emulator]:
    with Emulator(app_id=APP_ID, app_secret=APP_SECRET, clock=clock, seed=11) as e:
        yield e


@pytest.fixture
def api(emu: Emulator) -> Api:
    return Api(emu)


def basic(app_id: str = APP_ID, secret: str = APP_SECRET) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{app_id}:{secret}".encode()).decode()}


# -- pins ------------------------------------------------------------------------------------------
def test_pin_lifecycle_and_marker_counts(emu: Emulator, api: Api) -> None:
    board = api.board()
    marker = new_marker()
    created = api.post("/pins", pin_body(board, marker))
    assert created.status_code == 201
    pin = created.json()
    assert pin["id"].isdigit() and pin["board_id"] == board and pin["title"] == "A mug"
    assert pin["media"]["media_type"] == "image" and pin["media"]["images"]["150x150"]["width"] == 150
    assert pin["media"]["images"]["originals"] == {**pin["media"]["images"]["originals"], "width": 40, "height": 60}
    assert pin["created_at"] == "2026-01-05T09:00:00Z"
    assert created.headers["x-pinterest-rid"]
    assert api.get(f"/pins/{pin['id']}").json()["link"] == pin["link"]
    assert emu.pins_by_marker() == {marker: 1}
    listed = api.get(f"/boards/{board}/pins").json()
    assert [p["id"] for p in listed["items"]] == [pin["id"]] and listed["bookmark"] is None
    assert api.get(f"/boards/{board}").json()["pin_count"] == 1

    assert api.delete(f"/pins/{pin['id']}").status_code == 204
    gone = api.get(f"/pins/{pin['id']}")
    assert gone.status_code == 404 and gone.json() == {"code": 50, "message": "Pin not found."}
    assert emu.pins_by_marker() == {}
    assert emu.pins_by_marker(include_deleted=True) == {marker: 1}
    assert emu.stats()["pins_deleted"] == 1


def test_png_and_image_url_pins_are_accepted(api: Api) -> None:
    board = api.board()
    media = {"source_type": "image_base64", "content_type": "image/png", "data": image_b64("PNG")}
    png = pin_body(board, media_source=media)
    assert api.post("/pins", png).status_code == 201
    by_url = pin_body(board, media_source={"source_type": "image_url", "url": "https://shop.example/a.jpg"})
    assert api.post("/pins", by_url).status_code == 201


def _bad_media(**fields: Any) -> dict[str, Any]:
    return {"media_source": {"source_type": "image_base64", "content_type": "image/jpeg", "data": JPEG, **fields}}


TRUNCATED_JPEG = base64.b64encode(base64.b64decode(JPEG)[:200]).decode()
PNG = image_b64("PNG")


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"board_id": None}, 400, "board_id"),
        ({"board_id": "999"}, 404, "Board not found"),
        ({"board_id": "abc"}, 400, "board_id"),
        ({"board_section_id": "123"}, 404, "section"),
        ({"title": "x" * 101}, 400, "title"),
        ({"description": "x" * 801}, 400, "description"),
        ({"alt_text": "x" * 501}, 400, "alt_text"),
        ({"link": "https://shop.example/" + "x" * 2048}, 400, "link"),
        ({"link": "ftp://shop.example/a"}, 400, "link"),
        ({"title": 5}, 400, "title"),
        ({"dominant_color": "blue"}, 400, "dominant_color"),
        ({"media_source": None}, 400, "media_source"),
        (_bad_media(data="not base64!"), 400, "media_source.data"),
        (_bad_media(data=base64.b64encode(b"hello world, not an image").decode()), 400, "media_source.data"),
        (_bad_media(data=TRUNCATED_JPEG), 400, "media_source.data"),
        (_bad_media(data=PNG), 400, "content_type"),
        (_bad_media(content_type="image/gif"), 400, "content_type"),
        ({"media_source": {"source_type": "video_id", "media_id": "1"}}, 400, "source_type"),
        ({"media_source": {"source_type": "image_url", "url": "file:///etc/passwd"}}, 400, "media_source.url"),
    ],
)
def test_pin_create_validation(emu: Emulator, api: Api, change: dict[str, Any], status: int, field: str) -> None:
    board = api.board()
    body = pin_body(board)
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None or k != "board_id"}
    r = api.post("/pins", body)
    assert r.status_code == status, r.text
    error = r.json()
    assert set(error) == {"code", "message"} and isinstance(error["code"], int)
    assert field in error["message"]
    assert emu.stats()["pins_created"] == 0


def test_a_field_at_its_limit_is_fine(api: Api) -> None:
    board = api.board()
    body = pin_body(board, title="t" * 100, description="d" * 800, alt_text="a" * 500)
    assert api.post("/pins", body).status_code == 201


def test_malformed_json_and_unknown_paths(api: Api) -> None:
    r = api.session.post(api.base + "/pins", data=b"{nope", headers={"Content-Type": "application/json"}, timeout=5)
    assert r.status_code == 400 and r.json()["code"] == 400
    assert api.get("/no/such/thing").status_code == 404
    assert api.session.put(api.base + "/pins", timeout=5).status_code == 405


# -- boards, sections, pagination -----------------------------------------------------------------
def test_boards_and_sections(api: Api) -> None:
    board = api.board("Mugs")
    assert api.post("/boards", {"name": "mugs"}).status_code == 409
    assert api.post("/boards", {"name": ""}).status_code == 400
    assert api.post("/boards", {"name": "Secret", "privacy": "SECRET"}).status_code == 201
    assert [b["name"] for b in api.get("/boards").json()["items"]] == ["Mugs", "Secret"]
    assert [b["name"] for b in api.get("/boards", privacy="SECRET").json()["items"]] == ["Secret"]
    section = api.post(f"/boards/{board}/sections", {"name": "Blue"})
    assert section.status_code == 201
    assert api.get(f"/boards/{board}/sections").json()["items"] == [section.json()]
    assert api.post(f"/boards/{board}/sections", {"name": ""}).status_code == 400
    assert api.post("/pins", pin_body(board, board_section_id=section.json()["id"])).status_code == 201
    assert api.get("/boards/123").json()["code"] == 404


def test_pagination_is_keyset_and_survives_inserts(api: Api) -> None:
    board = api.board()
    for _ in range(60):
        assert api.post("/pins", pin_body(board)).status_code == 201
    seen: list[str] = []
    bookmark = None
    pages = 0
    while True:
        params: dict[str, Any] = {"page_size": 25}
        if bookmark:
            params["bookmark"] = bookmark
        page = api.get(f"/boards/{board}/pins", **params).json()
        seen += [p["id"] for p in page["items"]]
        pages += 1
        if pages == 1:  # a pin created mid-listing must not push an old one out of sight
            assert api.post("/pins", pin_body(board)).status_code == 201
        bookmark = page["bookmark"]
        if bookmark is None:
            break
    assert pages == 3 and len(seen) == 60 == len(set(seen))
    assert seen == sorted(seen, key=int, reverse=True)  # newest first
    assert api.get(f"/boards/{board}/pins", page_size=0).status_code == 400
    assert api.get(f"/boards/{board}/pins", page_size=251).status_code == 400
    assert api.get(f"/boards/{board}/pins", bookmark="!!!").status_code == 400
    assert len(api.get("/pins", page_size=250).json()["items"]) == 61


# -- OAuth -----------------------------------------------------------------------------------------
def test_authorize_page_and_code_exchange(emu: Emulator) -> None:
    redirect = "http://127.0.0.1:8085/callback"
    page = requests.get(
        emu.authorize_url,
        params={
            "client_id": APP_ID,
            "redirect_uri": redirect,
            "response_type": "code",
            "scope": "boards:read,pins:read",
            "state": "xyz",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert page.status_code == 302
    location = urlsplit(page.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]
    code = query["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect}
    token_url = emu.base_url + "/oauth/token"
    assert requests.post(token_url, data=form, headers=basic(secret="wrong"), timeout=5).status_code == 401
    assert requests.post(token_url, data=form, timeout=5).json()["code"] == 2
    wrong_redirect = requests.post(token_url, data={**form, "redirect_uri": "http://x/cb"}, headers=basic(), timeout=5)
    assert wrong_redirect.json() == {"code": 283, "message": "The authorization grant is invalid"}
    r = requests.post(token_url, data=form, headers=basic(), timeout=5)
    assert r.status_code == 200
    tokens = r.json()
    assert tokens["access_token"].startswith("pina") and tokens["refresh_token"].startswith("pinr")
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 30 * 86400
    assert tokens["scope"] == "boards:read pins:read" and tokens["refresh_token_expires_in"] == 60 * 86400
    again = requests.post(token_url, data=form, headers=basic(), timeout=5)  # codes are single-use
    assert again.json()["code"] == 283
    denied = requests.get(
        emu.authorize_url,
        params={"client_id": APP_ID, "redirect_uri": redirect, "response_type": "code", "consent": "deny"},
        allow_redirects=False,
        timeout=5,
    )
    assert "error=access_denied" in denied.headers["Location"]
    bad_client = requests.get(emu.authorize_url, params={"client_id": "nope"}, allow_redirects=False, timeout=5)
    assert bad_client.status_code == 400 and "x-pinterest-rid" in bad_client.headers


def test_refresh_rotates_and_old_refresh_token_dies(emu: Emulator, clock: FakeClock) -> None:
    first = emu.mint_tokens()
    token_url = emu.base_url + "/oauth/token"
    form = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "continuous_refresh": "true"}
    r = requests.post(token_url, data=form, headers=basic(), timeout=5)
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    assert second["response_type"] == "refresh_token"
    assert second["refresh_token_expires_at"] == int(clock.now().timestamp()) + 60 * 86400
    reuse = requests.post(token_url, data=form, headers=basic(), timeout=5)
    assert reuse.status_code == 400 and reuse.json() == {"code": 283, "message": "The authorization grant is invalid"}
    assert Api(emu, second["access_token"]).get("/user_account").status_code == 200
    assert emu.stats()["token_refreshes"] == 1
    clock.advance(days=60, seconds=1)  # the rotated refresh token itself expires after 60 days
    late = {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
    assert requests.post(token_url, data=late, headers=basic(), timeout=5).json()["code"] == 283


def test_access_token_expires_after_30_days(emu: Emulator, clock: FakeClock) -> None:
    api = Api(emu)
    assert api.get("/user_account").status_code == 200
    clock.advance(days=30, seconds=1)
    r = api.get("/user_account")
    assert r.status_code == 401 and r.json()["code"] == 2
    assert api.token not in r.text


def test_bearer_problems_and_scopes(emu: Emulator) -> None:
    assert requests.get(emu.base_url + "/user_account", timeout=5).json()["code"] == 2
    refresh = emu.mint_tokens()["refresh_token"]
    assert Api(emu, refresh).get("/user_account").status_code == 401  # a refresh token is no access token
    reader = Api(emu, emu.mint_tokens("boards:read pins:read")["access_token"])
    r = reader.post("/pins", pin_body("1"))
    assert r.status_code == 401 and r.json()["code"] == 3 and "pins:write" in r.json()["message"]
    assert reader.get("/boards").status_code == 200


# -- rate limits ----------------------------------------------------------------------------------
def test_standard_tier_per_minute_write_limit(clock: FakeClock) -> None:
    with Emulator(APP_ID, APP_SECRET, tier="standard", clock=clock, limits={"org_write": 3}) as emu:
        api = Api(emu)
        board = api.board()
        ok = [api.post("/pins", pin_body(board)) for _ in range(2)]
        assert [r.status_code for r in ok] == [201, 201]
        assert ok[-1].headers["X-RateLimit-Limit"] == "3" and ok[-1].headers["X-RateLimit-Remaining"] == "0"
        limited = api.post("/pins", pin_body(board))
        assert limited.status_code == 429 and limited.json()["code"] == 8
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert int(limited.headers["X-RateLimit-Reset"]) > clock.now().timestamp()
        assert api.get("/boards").status_code == 200  # org_read has its own quota
        assert emu.stats()["pins"] == 2 and emu.stats()["rate_limited"] == 1
        clock.advance(int(limited.headers["Retry-After"]))
        assert api.post("/pins", pin_body(board)).status_code == 201


def test_trial_tier_counts_per_day(clock: FakeClock) -> None:
    with Emulator(APP_ID, APP_SECRET, tier="trial", clock=clock, limits={"org_analytics": 1}) as emu:
        api = Api(emu)
        params = {"start_date": "2026-01-01", "end_date": "2026-01-05"}
        assert api.get("/user_account/analytics", **params).status_code == 200
        limited = api.get("/user_account/analytics", **params)
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) == 15 * 3600  # 09:00 -> midnight UTC
        assert api.get("/user_account").headers["X-RateLimit-Limit"] == "1000"


# -- faults ----------------------------------------------------------------------------------------
def test_http_500_before_and_after_create(emu: Emulator, api: Api) -> None:
    board = api.board()
    emu.inject("http_500")
    assert api.post("/pins", pin_body(board)).status_code == 500
    assert emu.stats()["pins_created"] == 0
    marker = new_marker()
    emu.inject("http_500_after_create", status=503)
    r = api.post("/pins", pin_body(board, marker))
    assert r.status_code == 503 and "x-pinterest-rid" in r.headers
    assert emu.pins_by_marker() == {marker: 1}  # it was created all the same
    assert api.post("/pins", pin_body(board)).status_code == 201  # one-shot


def test_connection_reset_after_create_and_before(emu: Emulator, api: Api) -> None:
    board = api.board()
    marker = new_marker()
    emu.inject("reset_after_create")
    with pytest.raises(requests.ConnectionError):
        api.post("/pins", pin_body(board, marker))
    assert emu.pins_by_marker() == {marker: 1}
    emu.inject("reset", path="/pins", method="POST")
    other = new_marker()
    with pytest.raises(requests.ConnectionError):
        api.post("/pins", pin_body(board, other))
    assert other not in emu.pins_by_marker()
    assert emu.stats()["statuses"]["reset"] == 2


def test_latency_makes_a_client_time_out_but_the_pin_exists(emu: Emulator, api: Api) -> None:
    board = api.board()
    marker = new_marker()
    emu.inject("latency", seconds=0.6, path="/pins", method="POST")
    with pytest.raises(requests.ReadTimeout):
        api.post("/pins", pin_body(board, marker), timeout=0.15)
    assert emu.pins_by_marker() == {marker: 1}


def test_429_faults_and_code_29(emu: Emulator, api: Api) -> None:
    board = api.board()
    emu.inject("spam_429")
    spam = api.post("/pins", pin_body(board))
    assert spam.status_code == 429 and "spam" in spam.json()["message"] and "Retry-After" not in spam.headers
    emu.inject("rate_429", seconds=120, path="/boards")
    assert api.post("/pins", pin_body(board)).status_code == 201  # path filter: pins untouched
    quota = api.get("/boards")
    assert quota.status_code == 429 and quota.headers["Retry-After"] == "120" and quota.json()["code"] == 8
    emu.inject("trial_29")
    trial = api.post("/pins", pin_body(board))
    assert trial.json()["code"] == 29 and "api-sandbox.pinterest.com" in trial.json()["message"]
    emu.inject("image_fetch")
    fetch = api.post("/pins", pin_body(board))
    assert fetch.json() == {"code": 1, "message": "Sorry we could not fetch the image."}
    assert emu.stats()["pins"] == 1
    assert emu.stats()["faults_fired"] == {"spam_429": 1, "rate_429": 1, "trial_29": 1, "image_fetch": 1}


def test_expired_token_fault_sticks_until_refresh(emu: Emulator) -> None:
    tokens = emu.mint_tokens()
    api = Api(emu, tokens["access_token"])
    emu.inject("expired_token", count=1)
    assert api.get("/boards").status_code == 401
    assert api.get("/boards").status_code == 401  # the token really expired
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    fresh = requests.post(emu.base_url + "/oauth/token", data=form, headers=basic(), timeout=5).json()
    assert Api(emu, fresh["access_token"]).get("/boards").status_code == 200


def test_fault_count_and_bad_fault_specs(emu: Emulator, api: Api) -> None:
    emu.inject("http_500", count=2, path="/boards")
    assert [api.get("/boards").status_code for _ in range(3)] == [500, 500, 200]
    with pytest.raises(ValueError, match="unknown fault kind"):
        emu.inject("meteor")
    with pytest.raises(ValueError, match="latency"):
        emu.inject("latency")


def test_chaos_is_seeded_and_steady(clock: FakeClock) -> None:
    def run() -> tuple[list[object], dict[str, int]]:
        chaos = {"http_500_after_create": 0.2, "rate_429": 0.2, "reset_after_create": 0.1}
        with Emulator(APP_ID, APP_SECRET, clock=FakeClock(), chaos=chaos, chaos_seed=5) as emu:
            api = Api(emu)
            board = api.board()  # POST /boards is not a chaos target
            outcomes: list[object] = []
            for _ in range(40):
                try:
                    outcomes.append(api.post("/pins", pin_body(board)).status_code)
                except requests.ConnectionError:
                    outcomes.append("reset")
            return outcomes, emu.stats()["faults_fired"]

    first, fired = run()
    second, _ = run()
    assert first == second
    assert {201, 500, 429, "reset"} <= set(first)
    assert 10 <= sum(fired.values()) <= 30


# -- control endpoints and state -------------------------------------------------------------------
def test_control_endpoints(emu: Emulator, clock: FakeClock) -> None:
    root = emu.root_url
    tokens = requests.post(root + "/_emulator/tokens", json={}, timeout=5)
    assert tokens.status_code == 201
    api = Api(emu, tokens.json()["access_token"])
    board = requests.post(root + "/_emulator/boards", json={"name": "Ctl"}, timeout=5).json()
    fault = {"kind": "http_500_after_create", "count": 1}
    assert requests.post(root + "/_emulator/faults", json=fault, timeout=5).status_code == 201
    marker = new_marker()
    assert api.post("/pins", pin_body(board["id"], marker)).status_code == 500
    state = requests.get(root + "/_emulator/state", timeout=5).json()
    assert state["pins_by_marker"] == {marker: 1} and state["faults_fired"] == {"http_500_after_create": 1}
    assert requests.get(root + "/_emulator/pins", timeout=5).json()["items"][0]["marker"] == marker
    before = clock.now()
    moved = requests.post(root + "/_emulator/clock", json={"advance_days": 2}, timeout=5).json()
    assert (clock.now() - before).days == 2 and moved["now"] == "2026-01-07T09:00:00Z"
    bad = requests.post(root + "/_emulator/faults", json={"kind": "meteor"}, timeout=5)
    assert bad.status_code == 400 and "meteor" in bad.json()["message"]
    chaos = requests.post(root + "/_emulator/chaos", json={"probabilities": {"http_500": 1.0}}, timeout=5)
    assert chaos.json() == {"chaos": {"http_500": 1.0}}
    assert api.post("/pins", pin_body(board["id"])).status_code == 500
    appeal = requests.get(root + "/_emulator/appeal", params={"design": "d1"}, timeout=5).json()
    assert appeal["appeal"] == pytest.approx(emu.true_appeal("d1"))
    # Nothing pinbot can ask for under /v5 reaches the controls.
    assert api.get("/_emulator/state").status_code == 404
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    conn.request("GET", "/v5/../_emulator/state")  # sent literally: no client-side dot removal
    assert conn.getresponse().status == 404
    conn.close()


def test_control_clock_moves_an_offset_when_the_clock_cannot_move() -> None:
    with Emulator(APP_ID, APP_SECRET) as emu:  # SystemClock
        before = emu.now()
        emu.advance(days=3)
        assert 3 * 86400 <= (emu.now() - before).total_seconds() < 3 * 86400 + 5


def test_state_file_persists_atomically(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "emu" / "state.json"
    with Emulator(APP_ID, APP_SECRET, clock=clock, state_file=path, seed=4) as emu:
        tokens = emu.mint_tokens()
        api = Api(emu, tokens["access_token"])
        board = api.board()
        marker = new_marker()
        pin_id = api.post("/pins", pin_body(board, marker)).json()["id"]
    assert json.loads(path.read_text())["version"] == 1
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]  # no temp files left behind
    with Emulator(APP_ID, APP_SECRET, clock=clock, state_file=path) as again:
        api = Api(again, tokens["access_token"])  # tokens survive a restart
        assert api.get(f"/pins/{pin_id}").status_code == 200
        assert again.pins_by_marker() == {marker: 1}
        assert int(api.post("/pins", pin_body(board)).json()["id"]) > int(pin_id)  # ids keep counting


def test_unreadable_state_file_is_a_clear_error(tmp_path: Path) -> None:
    from pinbot.emulator import StateFileError

    path = tmp_path / "state.json"
    path.write_text("{not json")
    with pytest.raises(StateFileError, match=r"state\.json"):
        Emulator(state_file=path)


def test_every_response_has_a_request_id(emu: Emulator, api: Api) -> None:
    responses = [
        api.get("/user_account"),
        api.get("/pins/1"),
        requests.get(emu.base_url + "/boards", timeout=5),
        requests.get(emu.root_url + "/_emulator/state", timeout=5),
        requests.get(emu.root_url + "/elsewhere", timeout=5),
    ]
    ids = [r.headers.get("x-pinterest-rid") for r in responses]
    assert all(ids) and len(set(ids)) == len(ids)


def test_secrets_stay_out_of_reprs_and_state_listing(emu: Emulator) -> None:
    assert APP_SECRET not in repr(emu) and APP_SECRET not in repr(emu.auth)
    assert APP_SECRET not in json.dumps(emu.stats())
