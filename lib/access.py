"""Who may do what: roles, their rights, and the password hashes of the optional local login. Pure."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["admin", "gestionnaire", "lecteur"]
Right = Literal["read", "verify", "export", "export_nir", "import", "settings"]

ROLE_LABELS: dict[Role, str] = {
    "admin": "administrateur",
    "gestionnaire": "gestionnaire",
    "lecteur": "lecteur",
}
# admin: everything; gestionnaire: verify and export; lecteur: read only, no file that carries NIRs.
RIGHTS: dict[Role, frozenset[Right]] = {
    "admin": frozenset({"read", "verify", "export", "export_nir", "import", "settings"}),
    "gestionnaire": frozenset({"read", "verify", "export", "export_nir"}),
    "lecteur": frozenset({"read"}),
}
RIGHT_LABELS: dict[Right, str] = {
    "read": "consulter",
    "verify": "vérifier les déclarations",
    "export": "exporter",
    "export_nir": "télécharger des fichiers contenant des NIR",
    "import": "importer des fichiers",
    "settings": "modifier les paramètres",
}
HASH_SCHEME = "pbkdf2_sha256"
HASH_ITERATIONS = 600_000
MAX_LOGIN_LENGTH = 200


class AccessConfigError(ValueError):
    """The login configuration (.streamlit/secrets.toml) is unusable; the message says where."""


@dataclass(frozen=True)
class User:
    name: str
    role: Role

    def can(self, right: Right) -> bool:
        return right in RIGHTS[self.role]


def hash_password(password: str, *, salt: str | None = None, iterations: int = HASH_ITERATIONS) -> str:
    """`pbkdf2_sha256$iterations$salt$hash` (hashlib, standard library): what secrets.toml stores."""
    if not password:
        raise ValueError("Le mot de passe est vide.")
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), iterations)
    return f"{HASH_SCHEME}${iterations}${salt}${base64.b64encode(digest).decode('ascii')}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches a hash made by hash_password (constant-time comparison)."""
    try:
        scheme, iterations, salt, expected = stored.split("$")
        if scheme != HASH_SCHEME:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), int(iterations))
    except (ValueError, UnicodeEncodeError):
        return False
    return hmac.compare_digest(base64.b64encode(digest).decode("ascii"), expected)


def hash_iterations(stored: str) -> int | None:
    """The iteration count of a hash made by hash_password; None when it is not one."""
    parts = stored.split("$")
    if len(parts) != 4 or parts[0] != HASH_SCHEME or not parts[1].isdigit() or not parts[2] or not parts[3]:
        return None
    iterations = int(parts[1])
    return iterations if 0 < iterations <= 10_000_000 else None


@functools.lru_cache(maxsize=8)
def _dummy_hash(iterations: int) -> str:
    """A hash no password matches, verified in place of an unknown account's so both cost the same work."""
    return hash_password(secrets.token_hex(16), iterations=iterations)


def local_users(secrets_: Mapping[str, Any]) -> dict[str, tuple[str, Role]]:
    """The `[users.<login>]` tables of secrets.toml: login → (password hash, role); empty when none."""
    table = secrets_.get("users")
    if table is None:
        return {}
    if not isinstance(table, Mapping):
        raise AccessConfigError("secrets.toml : « users » doit être une table de comptes ([users.marie]).")
    users: dict[str, tuple[str, Role]] = {}
    for login, entry in table.items():
        where = f"secrets.toml, [users.{login}]"
        if not isinstance(entry, Mapping):
            raise AccessConfigError(f"{where} : une table est attendue.")
        password_hash, role = entry.get("password_hash"), entry.get("role")
        if not isinstance(password_hash, str) or hash_iterations(password_hash) is None:
            raise AccessConfigError(
                f"{where} : « password_hash » doit être une empreinte {HASH_SCHEME} (python -m lib hash-password)."
            )
        if role not in RIGHTS:
            raise AccessConfigError(f"{where} : rôle « {role} » inconnu (admin, gestionnaire ou lecteur).")
        users[str(login)] = (password_hash, role)
    return users


def authenticate(users: Mapping[str, tuple[str, Role]], login: str, password: str) -> User | None:
    """The account these credentials open, or None.

    An unknown login costs the same work as a known one (its password is checked against a dummy hash of the
    accounts' iteration count), so the answer's timing does not tell which logins exist.
    """
    name = login.strip()
    entry = users.get(name) if len(name) <= MAX_LOGIN_LENGTH else None
    iterations = max(
        (hash_iterations(stored) or HASH_ITERATIONS for stored, _ in users.values()), default=HASH_ITERATIONS
    )
    dummy = _dummy_hash(iterations)  # made (once) whichever the login, so the first unknown one costs no more
    stored = entry[0] if entry is not None else dummy
    matches = verify_password(password, stored)
    if entry is None or not matches:
        return None
    return User(name, entry[1])


def oidc_role(secrets_: Mapping[str, Any], email: str | None) -> Role | None:
    """The role given to an OIDC identity by `[roles]` (e-mail → role) in secrets.toml; None: no access."""
    roles = secrets_.get("roles", {})
    if not email or not isinstance(roles, Mapping):
        return None
    role = roles.get(email.lower()) or roles.get(email)
    return role if role in RIGHTS else None


# ---------------------------------------------------------------------------------------------- login throttle


@dataclass(frozen=True)
class ThrottlePolicy:
    """How repeated login failures slow down, then lock, an account and a client (browser, address)."""

    free_failures: int = 3  # failures allowed before any delay
    first_delay: float = 2.0  # seconds to wait after the first failure beyond those, doubled at each next one
    max_delay: float = 60.0
    account_lock_after: int = 10  # failures on one account within `forget_after`: the account is locked
    client_lock_after: int = 20  # failures from one client (on any accounts): the client is locked
    lock_seconds: float = 15 * 60.0
    forget_after: float = 60 * 60.0  # a key quiet this long starts again from zero
    max_keys: int = 10_000  # bounded memory whatever the number of logins tried


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    wait_until: float = 0.0
    locked_until: float = 0.0


@dataclass(frozen=True)
class LoginVerdict:
    """Whether a login attempt may be checked now; when not, how long to wait and whether it is a lock."""

    allowed: bool
    wait_seconds: float = 0.0
    locked: bool = False

    @property
    def message(self) -> str:
        if self.allowed:
            return ""
        if self.locked:
            minutes = max(1, round(self.wait_seconds / 60))
            return (
                "Trop d'échecs de connexion : la connexion est bloquée pour ce compte ou ce poste pendant "
                f"{minutes} minute(s). Réessayez plus tard ou demandez à un administrateur."
            )
        return (
            f"Trop d'essais de connexion : patientez {max(1, round(self.wait_seconds))} seconde(s) avant de réessayer."
        )


@dataclass(frozen=True)
class LockEvent:
    """A lock that a failure has just set: on an account (`compte`) or a client (`poste`)."""

    kind: Literal["compte", "poste"]
    key: str
    until_seconds: float


@dataclass
class LoginThrottle:
    """Growing delays then a temporary lock after repeated failures, per account and per client. Pure.

    Keys are the login as typed (normalised) and whatever identifies the client; unknown and known accounts
    are throttled alike. `clock` gives seconds (time.monotonic by default; tests inject their own).
    """

    policy: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    clock: Callable[[], float] = time.monotonic
    _keys: dict[tuple[str, str], _Failures] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def account_key(login: str) -> str:
        return login.strip().casefold()[:MAX_LOGIN_LENGTH]

    def check(self, login: str, client: str) -> LoginVerdict:
        """Whether an attempt may be verified now (a refused attempt is not verified and counts for nothing)."""
        now = self.clock()
        with self._lock:
            waits: list[tuple[float, bool]] = []
            for key in (("compte", self.account_key(login)), ("poste", client)):
                state = self._current(key, now)
                if state is None:
                    continue
                if state.locked_until > now:
                    waits.append((state.locked_until - now, True))
                elif state.wait_until > now:
                    waits.append((state.wait_until - now, False))
        if not waits:
            return LoginVerdict(True)
        locked = any(is_lock for _, is_lock in waits)
        wait = max(w for w, is_lock in waits if is_lock == locked)
        return LoginVerdict(False, wait, locked)

    def failed(self, login: str, client: str) -> list[LockEvent]:
        """Count a failed attempt; the locks it sets (for the journal)."""
        now = self.clock()
        events: list[LockEvent] = []
        with self._lock:
            for kind, key, lock_after in (
                ("compte", self.account_key(login), self.policy.account_lock_after),
                ("poste", client, self.policy.client_lock_after),
            ):
                state = self._current((kind, key), now)
                if state is None:
                    self._bound(now)
                    state = self._keys[(kind, key)] = _Failures()
                state.count += 1
                state.last = now
                beyond = state.count - self.policy.free_failures
                if beyond > 0:
                    delay = min(self.policy.max_delay, self.policy.first_delay * 2 ** min(beyond - 1, 30))
                    state.wait_until = now + delay
                if state.count >= lock_after and state.locked_until <= now:
                    state.locked_until = now + self.policy.lock_seconds
                    events.append(LockEvent(kind, key, self.policy.lock_seconds))  # type: ignore[arg-type]
        return events

    def succeeded(self, login: str) -> None:
        """A successful login clears its account's failures (not its client's: one good account must not
        reset the count of guesses on the others)."""
        with self._lock:
            self._keys.pop(("compte", self.account_key(login)), None)

    def _current(self, key: tuple[str, str], now: float) -> _Failures | None:
        state = self._keys.get(key)
        if state is not None and state.locked_until <= now and now - state.last > self.policy.forget_after:
            del self._keys[key]
            return None
        return state

    def _bound(self, now: float) -> None:
        if len(self._keys) < self.policy.max_keys:
            return
        for key in [
            k for k, s in self._keys.items() if s.locked_until <= now and now - s.last > self.policy.forget_after
        ]:
            del self._keys[key]
        if len(self._keys) >= self.policy.max_keys:
            # Still full: forget the unlocked keys quiet the longest (locks are kept).
            unlocked = sorted((s.last, k) for k, s in self._keys.items() if s.locked_until <= now)
            for _, key in unlocked[: len(self._keys) - self.policy.max_keys + 1]:
                del self._keys[key]
