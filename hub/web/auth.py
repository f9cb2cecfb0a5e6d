"""Logging in: password hashing, the login form, Redis-backed rate limiting and role checks."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from redis import Redis
from redis.exceptions import RedisError
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from hub.models import utcnow
from hub.web.db import engine_of
from hub.web.models import ROLES, User

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
#: Compared against when the email is unknown, so both paths cost one hash check.
_DUMMY_HASH = generate_password_hash("not-a-real-password-at-all")

auth = Blueprint("auth", __name__)


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password`` (werkzeug's default)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    return generate_password_hash(password)


def create_user(session: Session, email: str, password: str, role: str) -> User:
    """Add a user (the caller commits); refuses unknown roles, duplicates and short passwords."""
    email = email.strip().lower()
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if "@" not in email:
        raise ValueError(f"{email!r} is not an email address")
    if session.exec(select(User).where(User.email == email)).first() is not None:
        raise ValueError(f"a user {email} already exists")
    user = User(email=email, password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or ``None`` (same cost either way)."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


class LoginForm(FlaskForm):  # type: ignore[misc]
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class LoginRateLimiter:
    """Counts failed logins per client address and per email in Redis, with a sliding-ish window.

    :param redis: a Redis connection (text or bytes).
    :param attempts: failures allowed per window before further attempts are refused.
    :param window: seconds a failure is remembered.
    """

    def __init__(self, redis: Redis, *, attempts: int = 5, window: int = 300, prefix: str) -> None:
        self.redis = redis
        self.attempts = attempts
        self.window = window
        self.prefix = prefix

    def _keys(self, address: str, email: str) -> list[str]:
        return [f"{self.prefix}:ip:{address}", f"{self.prefix}:email:{email.strip().lower()}"]

    def blocked(self, address: str, email: str) -> bool:
        """Whether either counter reached the limit (Redis down counts as blocked: fail closed)."""
        try:
            values = self.redis.mget(self._keys(address, email))
        except RedisError:
            log.error("login rate limiter: Redis unavailable, refusing logins")
            return True
        return any(int(v) >= self.attempts for v in values if v is not None)

    def failed(self, address: str, email: str) -> None:
        """Record one failed attempt."""
        try:
            pipe = self.redis.pipeline()
            for key in self._keys(address, email):
                pipe.incr(key)
                pipe.expire(key, self.window)
            pipe.execute()
        except RedisError:
            log.error("login rate limiter: Redis unavailable, failure not counted")

    def succeeded(self, address: str, email: str) -> None:
        """Forget the failures of this email (the address counter keeps running)."""
        try:
            self.redis.delete(self._keys(address, email)[1])
        except RedisError:
            pass


def rate_limiter() -> LoginRateLimiter:
    limiter: LoginRateLimiter = current_app.extensions["hub_login_limiter"]
    return limiter


def _safe_next(target: str | None) -> str:
    """Only same-site relative redirects (no open redirect through ``?next=``)."""
    default = url_for("admin.index")
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@auth.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        email = str(form.email.data)
        limiter = rate_limiter()
        if limiter.blocked(address, email):
            flash("Too many failed logins. Wait a few minutes and try again.", "error")
            return render_template("hub/login.html", form=form), 429
        with Session(engine_of(current_app), expire_on_commit=False) as session:
            user = authenticate(session, email, str(form.password.data))
            if user is not None:
                user.last_login_at = utcnow()
                session.add(user)
                session.commit()
        if user is None:
            limiter.failed(address, email)
            flash("Wrong email or password.", "error")
            status = 401
        else:
            limiter.succeeded(address, email)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("hub/login.html", form=form), status


@auth.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    logout_user()
    flash("Logged out.", "info")
    return redirect(url_for("auth.login"))


def init_login(app: Flask, redis: Redis) -> None:
    """Install Flask-Login, the rate limiter and the login routes."""
    manager = LoginManager()
    manager.login_view = "auth.login"
    manager.session_protection = "strong"
    manager.init_app(app)

    @manager.user_loader  # type: ignore[untyped-decorator]
    def load_user(user_id: str) -> User | None:
        if not user_id.isdigit():
            return None
        with Session(engine_of(app), expire_on_commit=False) as session:
            user = session.get(User, int(user_id))
        return user if user is not None and user.active else None

    app.extensions["hub_login_limiter"] = LoginRateLimiter(
        redis,
        attempts=int(app.config["HUB_LOGIN_ATTEMPTS"]),
        window=int(app.config["HUB_LOGIN_WINDOW"]),
        prefix=str(app.config["HUB_REDIS_PREFIX"]) + ":login",
    )
    app.register_blueprint(auth)


def require_admin() -> None:
    """Abort with 403 unless the current user is an admin (for use inside views)."""
    if not (current_user.is_authenticated and getattr(current_user, "is_admin", False)):
        abort(403)


def current_email() -> str:
    user: Any = current_user
    return str(getattr(user, "email", ""))


__all__ = [
    "MIN_PASSWORD_LENGTH",
    "LoginRateLimiter",
    "authenticate",
    "create_user",
    "current_email",
    "hash_password",
    "init_login",
    "require_admin",
]
