"""The app factory, sign-in and sign-out, error pages and security headers.

``create_app(settings)`` builds a FastAPI app over the work store and the population DB named by
the settings; ``civreg review serve`` runs it with uvicorn. Pages are rendered on the server
(Jinja2); the only script is ``static/app.js`` (keyboard shortcuts), served by the app itself:
nothing loads from elsewhere (the Content-Security-Policy says so to the browser).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from civreg.db import shared_engine
from civreg.settings import Settings, get_settings
from review import admin, clerk, steward
from review.crops import PageCache
from review.deps import (
    ANYONE,
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CurrentUser,
    LoginRequiredError,
    ReviewConfig,
    ReviewContext,
    context,
    current_user,
    form_of,
)
from review.security import (
    DUMMY_HASH,
    attempt_key,
    new_token,
    same_token,
    token_hash,
    verify_password,
)
from review.views import when
from review.worker import BatchRunner, BatchWorker, default_runner
from schemas.store import Role, utcnow
from store.accounts import (
    close_session,
    credentials,
    failures_since,
    open_session,
    record_attempt,
)
from store.audit import AuditEntry, append_audit

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def templates() -> Jinja2Templates:
    """The page templates, with the helpers they use."""
    found = Jinja2Templates(directory=str(HERE / "templates"))
    found.env.globals["when"] = when
    found.env.globals["CSRF_FIELD"] = CSRF_FIELD
    return found


def create_app(
    settings: Settings | None = None,
    *,
    config: ReviewConfig | None = None,
    runner: BatchRunner = default_runner,
) -> FastAPI:
    """The review app over the stores of ``settings`` (the process settings by default).

    ``runner`` runs an uploaded batch (the real pipeline by default).
    """
    settings = settings or get_settings()
    config = config or ReviewConfig.from_settings(settings)
    store = shared_engine(settings.resolved_store_url)
    review = ReviewContext(
        settings=settings,
        config=config,
        store=store,
        population=shared_engine(settings.resolved_population_url),
        templates=templates(),
        worker=BatchWorker(store, runner),
        pages=PageCache(max_pixels=settings.max_image_pixels),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        resumed = review.worker.resume(settings.inbox_dir)
        if resumed:
            log.info("resuming %d uploaded batches left unfinished", len(resumed))
        yield
        review.worker.shutdown(wait=False)

    app = FastAPI(title="civreg review", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.review = review
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > config.max_request_bytes:
            # Refused before the body is read: an oversized upload never reaches the disk.
            return HTMLResponse("request too large", status_code=413)
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequiredError)
    async def login_required(request: Request, _exc: LoginRequiredError) -> Response:
        if request.method in ("GET", "HEAD"):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        return HTMLResponse("sign in first", status_code=401)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return review.templates.TemplateResponse(
            request,
            "error.html",
            {"status": exc.status_code, "detail": exc.detail, "user": None},
            status_code=exc.status_code,
        )

    app.include_router(_auth_router())
    app.include_router(steward.router)
    app.include_router(clerk.router)
    app.include_router(admin.router)
    return app


def _safe_next(target: str | None) -> str:
    """Only a path of this site (no scheme, no host) may be a post-sign-in target."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _auth_router() -> APIRouter:
    router = APIRouter()

    @router.get("/login", response_class=HTMLResponse)
    def login_page(
        request: Request, ctx: ReviewContext = Depends(context), next: str = "/"
    ) -> Response:
        return _login_page(request, ctx, next, None, 200)

    @router.post("/login")
    def login(
        request: Request,
        *,
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        ctx: ReviewContext = Depends(context),
        csrf_token: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/",
    ) -> Response:
        if not same_token(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
            raise HTTPException(403, "the sign-in form expired; reload the page")
        username = username.strip().lower()
        key = attempt_key(username, _client_address(request))
        since = utcnow() - ctx.config.login_window
        if failures_since(ctx.store, key, since) >= ctx.config.login_max_failures:
            log.warning("sign-in refused: too many failures from one address for one user")
            return _login_page(request, ctx, next, "Too many failed attempts; try later.", 429)
        found = credentials(ctx.store, username)
        hashed = found[1] if found else DUMMY_HASH
        valid = verify_password(hashed, password) and found is not None and found[0].active
        record_attempt(ctx.store, key, valid)
        if not valid or found is None:
            return _login_page(request, ctx, next, "Wrong user name or password.", 401)
        token, csrf = new_token(), new_token()
        open_session(
            ctx.store, username, token_hash(token), csrf, utcnow() + ctx.config.session_ttl
        )
        append_audit(
            ctx.store,
            AuditEntry(username, "session.login", "user", username, {"at": utcnow().isoformat()}),
        )
        response = RedirectResponse(_safe_next(next), status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=ctx.config.secure_cookies,
            max_age=int(ctx.config.session_ttl.total_seconds()),
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE)
        return response

    @router.post("/logout")
    def logout(
        request: Request,
        ctx: ReviewContext = Depends(context),
        user_form: tuple[CurrentUser, object] = Depends(form_of(*ANYONE)),
    ) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            close_session(ctx.store, token_hash(token))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @router.get("/")
    def home(user: CurrentUser = Depends(current_user)) -> Response:
        target = "/batches" if user.role is Role.CLERK else "/queue"
        return RedirectResponse(target, status_code=303)

    return router


def _login_page(
    request: Request, ctx: ReviewContext, next_url: str, message: str | None, status: int
) -> Response:
    """The sign-in form with a fresh double-submit CSRF cookie (and the error, if any)."""
    token = new_token()
    response = ctx.templates.TemplateResponse(
        request,
        "login.html",
        {"login_csrf": token, "next": _safe_next(next_url), "error": message, "user": None},
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=ctx.config.secure_cookies,
        max_age=3600,
    )
    return response
