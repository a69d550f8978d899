"""Sign-in, sessions, CSRF, rate limiting and every role boundary of the review app."""

from __future__ import annotations

from typer.testing import CliRunner

from civreg.db import shared_engine
from review.deps import SESSION_COOKIE
from schemas.store import AuditEvent, Role, UserSession
from store.accounts import credentials
from tests.review.conftest import PASSWORD, sign_in

PAGES = [
    "/",
    "/queue",
    "/queue/next",
    "/items/abc",
    "/items/abc/crop.png",
    "/certificates/abc.pdf",
    "/transcribe",
    "/transcribe/abc",
    "/dashboard",
    "/batches",
    "/batches/b1",
    "/admin/users",
    "/admin/audit",
    "/admin/thresholds",
]
POSTS = [
    "/logout",
    "/items/abc/decide",
    "/items/abc/correct",
    "/items/abc/release",
    "/items/abc/certificate",
    "/transcribe/abc",
    "/batches",
    "/admin/users",
    "/admin/users/sam",
    "/admin/thresholds",
]


def test_no_page_without_sign_in(make_app, users) -> None:
    client = make_app()
    for page in PAGES:
        response = client.get(page, follow_redirects=False)
        assert response.status_code == 303, page
        assert response.headers["location"].startswith("/login?next="), page
    for url in POSTS:
        response = client.post(url, data={"csrf_token": "x"}, follow_redirects=False)
        assert response.status_code == 401, url
    assert client.get("/login").status_code == 200


def test_sign_in_sets_a_strict_http_only_session_and_sign_out_ends_it(
    make_app, users, bare_settings
) -> None:
    client = make_app()
    wrong = sign_in(client, "sam", "not the password")
    assert wrong.status_code == 401
    assert "Wrong user name or password" in wrong.text
    assert SESSION_COOKIE not in client.cookies

    response = sign_in(client, "sam")
    assert response.status_code == 303
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert client.get("/queue").status_code == 200
    store = shared_engine(bare_settings.resolved_store_url)
    with store.connect() as connection:
        stored = connection.execute(UserSession.__table__.select()).all()
    token = client.cookies.get(SESSION_COOKIE)
    assert len(stored) == 1 and stored[0].token_hash != token  # only the hash is kept

    page = client.get("/queue")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    assert (
        client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    )
    client.cookies.set(SESSION_COOKIE, token)  # a stolen cookie is useless after sign-out
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_sign_in_form_needs_its_csrf_cookie(make_app, users) -> None:
    client = make_app()
    client.get("/login")
    response = client.post(
        "/login",
        data={"username": "sam", "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_sign_in_is_rate_limited_per_user_and_address_across_app_instances(make_app, users) -> None:
    first = make_app(login_max_failures=3)
    for _ in range(3):
        assert sign_in(first, "sam", "guess").status_code == 401
    # Another worker process shares the store: the limit holds there too, even for the
    # right password.
    second = make_app(login_max_failures=3)
    assert sign_in(second, "sam").status_code == 429
    # Other users are not locked out by it.
    assert sign_in(second, "stella").status_code == 303


def test_unsafe_next_targets_are_ignored(make_app, users) -> None:
    client = make_app()
    client.get("/login")
    from review.deps import LOGIN_CSRF_COOKIE

    response = client.post(
        "/login",
        data={
            "username": "sam",
            "password": PASSWORD,
            "csrf_token": client.cookies.get(LOGIN_CSRF_COOKIE),
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_csrf_is_enforced_on_every_form(browser) -> None:
    admin = browser("ada")
    for url in POSTS:
        for token in (None, "wrong"):
            data = {} if token is None else {"csrf_token": token}
            response = admin.client.post(url, data=data, follow_redirects=False)
            assert response.status_code == 403, (url, token)
    # ...and a right token passes the check (the logout really happens).
    assert admin.post("/logout").status_code == 303


ROLE_CASES = [
    ("cleo", "get", "/queue", False),
    ("cleo", "get", "/transcribe", False),
    ("cleo", "post", "/items/abc/decide", False),
    ("cleo", "post", "/items/abc/correct", False),
    ("cleo", "post", "/transcribe/abc", False),
    ("cleo", "get", "/admin/users", False),
    ("sam", "get", "/admin/users", False),
    ("sam", "post", "/admin/users", False),
    ("sam", "post", "/admin/users/cleo", False),
    ("sam", "get", "/admin/audit", False),
    ("sam", "get", "/admin/thresholds", False),
    ("sam", "post", "/admin/thresholds", False),
    ("cleo", "get", "/admin/thresholds", False),
    ("sam", "post", "/batches", False),
    ("cleo", "get", "/batches", True),
    ("cleo", "get", "/dashboard", True),
    ("sam", "get", "/queue", True),
    ("ada", "get", "/admin/users", True),
    ("ada", "get", "/admin/audit", True),
    ("ada", "get", "/admin/thresholds", True),
]
"""(user, method, url, allowed): what each role may and may not reach."""


def test_role_boundaries(browser) -> None:
    signed_in = {name: browser(name) for name in ("ada", "sam", "cleo")}
    for username, method, url, allowed in ROLE_CASES:
        user = signed_in[username]
        response = user.get(url) if method == "get" else user.post(url, {"role": "admin"})
        expected = 200 if allowed else 403
        assert response.status_code == expected, (username, method, url, response.status_code)


def test_admin_manages_users_and_a_deactivated_user_is_signed_out(
    browser, make_app, bare_settings
) -> None:
    admin = browser("ada")
    created = admin.post(
        "/admin/users", {"username": "tom", "password": "a long password", "role": "clerk"}
    )
    assert created.status_code == 303
    assert (
        admin.post(
            "/admin/users", {"username": "tom", "password": "a long password", "role": "clerk"}
        ).status_code
        == 409
    )
    assert (
        admin.post(
            "/admin/users", {"username": "short", "password": "short", "role": "clerk"}
        ).status_code
        == 400
    )
    tom = make_app()
    assert sign_in(tom, "tom", "a long password").status_code == 303
    assert tom.get("/batches").status_code == 200
    assert tom.get("/queue", follow_redirects=False).status_code == 403

    assert admin.post("/admin/users/tom", {"role": "steward"}).status_code == 303
    assert tom.get("/queue").status_code == 200  # the role applies at once
    assert admin.post("/admin/users/tom", {"active": "no"}).status_code == 303
    assert tom.get("/queue", follow_redirects=False).status_code == 303  # signed out
    assert sign_in(make_app(), "tom", "a long password").status_code == 401

    store = shared_engine(bare_settings.resolved_store_url)
    with store.connect() as connection:
        actions = [
            (row.actor, row.action, row.subject_id)
            for row in connection.execute(AuditEvent.__table__.select())
        ]
    assert ("ada", "user.created", "tom") in actions
    assert actions.count(("ada", "user.changed", "tom")) == 2


def test_the_last_admin_stays_an_admin(browser) -> None:
    admin = browser("ada")
    response = admin.post("/admin/users/ada", {"role": "steward"})
    assert response.status_code == 409
    assert admin.get("/admin/users").status_code == 200


def test_users_add_command_makes_an_admin_who_can_sign_in(cli_app, bare_settings, make_app) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli_app,
        ["users", "add", "Root", "--role", "admin", "--password-stdin"],
        input="a long admin password\n",
    )
    assert result.exit_code == 0, result.output
    found = credentials(shared_engine(bare_settings.resolved_store_url), "root")
    assert found is not None and found[0].role is Role.ADMIN
    assert found[1].startswith("$argon2id$")
    assert sign_in(make_app(), "root", "a long admin password").status_code == 303

    again = runner.invoke(
        cli_app,
        ["users", "add", "root", "--role", "steward", "--password-stdin"],
        input="another long password\n",
    )
    assert again.exit_code == 5 and "already exists" in again.output
    short = runner.invoke(
        cli_app, ["users", "add", "kim", "--role", "clerk", "--password-stdin"], input="short\n"
    )
    assert short.exit_code == 5
    listed = runner.invoke(cli_app, ["users", "list"])
    assert "root\tadmin\tactive" in listed.output
