"""Who may do what: roles, their rights, and the password hashes of the optional local login. Pure."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
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
        if not isinstance(password_hash, str) or not password_hash.startswith(HASH_SCHEME + "$"):
            raise AccessConfigError(
                f"{where} : « password_hash » doit être une empreinte {HASH_SCHEME} (python -m lib hash-password)."
            )
        if role not in RIGHTS:
            raise AccessConfigError(f"{where} : rôle « {role} » inconnu (admin, gestionnaire ou lecteur).")
        users[str(login)] = (password_hash, role)
    return users


def authenticate(users: Mapping[str, tuple[str, Role]], login: str, password: str) -> User | None:
    entry = users.get(login.strip())
    if entry is None or not verify_password(password, entry[0]):
        return None
    return User(login.strip(), entry[1])


def oidc_role(secrets_: Mapping[str, Any], email: str | None) -> Role | None:
    """The role given to an OIDC identity by `[roles]` (e-mail → role) in secrets.toml; None: no access."""
    roles = secrets_.get("roles", {})
    if not email or not isinstance(roles, Mapping):
        return None
    role = roles.get(email.lower()) or roles.get(email)
    return role if role in RIGHTS else None
