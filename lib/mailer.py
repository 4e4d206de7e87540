"""Sending e-mail: the only module that talks SMTP (smtplib), configured by `[smtp]` in .streamlit/secrets.toml.

```toml
[smtp]
host = "smtp.example.fr"
port = 587
starttls = true
user = "rappels@example.fr"
password = "…"
sender = "Passeport de prévention <rappels@example.fr>"
```
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from lib.reminders import is_email

SECRETS_ENV = "PASSEPORT_SECRETS"
DEFAULT_SECRETS = Path(__file__).resolve().parents[1] / ".streamlit" / "secrets.toml"
TIMEOUT_SECONDS = 30.0
MAX_SECRETS_BYTES = 1_000_000


class MailError(Exception):
    """The SMTP configuration is unusable or the server refused or vanished; the French message says which."""


class RecipientRefused(MailError):
    """The server refused this one message (its address, its content): the others may still go."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    starttls: bool
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)


def secrets_path() -> Path:
    """$PASSEPORT_SECRETS when set, else .streamlit/secrets.toml of the repository (the one Streamlit reads)."""
    env = os.environ.get(SECRETS_ENV)
    return Path(env) if env else DEFAULT_SECRETS


def read_secrets(path: Path) -> dict[str, Any]:
    """The secrets file as a table; {} when it does not exist."""
    try:
        data = path.read_bytes()[: MAX_SECRETS_BYTES + 1]
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise MailError(f"{path} : fichier illisible (erreur système {error.errno}).") from error
    if len(data) > MAX_SECRETS_BYTES:
        raise MailError(f"{path} : fichier trop gros pour un fichier de configuration.")
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise MailError(f"{path} : le fichier doit être enregistré en UTF-8.") from None
    except tomllib.TOMLDecodeError as error:
        raise MailError(f"{path} : syntaxe TOML invalide ({error}).") from None


def smtp_settings(secrets: Mapping[str, Any], where: str = "secrets.toml") -> SmtpSettings | None:
    """The `[smtp]` table, checked; None when there is none (sending not configured)."""
    table = secrets.get("smtp")
    if table is None:
        return None
    where = f"{where}, [smtp]"
    if not isinstance(table, Mapping):
        raise MailError(f"{where} : une table est attendue ([smtp] suivi de host, port…).")
    known = {"host", "port", "starttls", "user", "password", "sender"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise MailError(f"{where} : clé(s) inconnue(s) : {', '.join(unknown)} (attendu : {', '.join(sorted(known))}).")
    host = table.get("host")
    if not isinstance(host, str) or not host.strip():
        raise MailError(f"{where} : « host » (le serveur SMTP, par exemple smtp.example.fr) est obligatoire.")
    starttls = table.get("starttls", True)
    if not isinstance(starttls, bool):
        raise MailError(f"{where} : « starttls » vaut true ou false.")
    port = table.get("port", 587 if starttls else 25)
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise MailError(f"{where} : « port » doit être un nombre entre 1 et 65535 (souvent 587 ou 25).")
    user, password = table.get("user"), table.get("password")
    for name, value in (("user", user), ("password", password)):
        if value is not None and not isinstance(value, str):
            raise MailError(f"{where} : « {name} » doit être un texte entre guillemets.")
    if bool(user) != bool(password):
        raise MailError(f"{where} : « user » et « password » vont ensemble (les deux, ou aucun).")
    sender = table.get("sender")
    if not isinstance(sender, str) or not is_email(parseaddr(sender)[1]):
        raise MailError(
            f"{where} : « sender » doit être l'adresse d'expédition (par exemple "
            '"Passeport de prévention <rappels@example.fr>").'
        )
    return SmtpSettings(host.strip(), port, starttls, sender.strip(), user or None, password or None)


def configured_smtp(path: Path | None = None) -> SmtpSettings:
    """The SMTP settings of the secrets file, or a French error saying how to configure them."""
    path = path or secrets_path()
    found = smtp_settings(read_secrets(path), where=str(path))
    if found is None:
        raise MailError(
            f"Envoi d'e-mails non configuré : ajoutez une section [smtp] (host, port, starttls, user, password, "
            f"sender) à {path}, ou utilisez --dry-run DOSSIER pour écrire les messages sans les envoyer."
        )
    return found


def _where(settings: SmtpSettings) -> str:
    return f"{settings.host}:{settings.port}"


def _reply(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
    return f"{error.smtp_code} {text}".strip()[:200]


class Connection:
    """One open SMTP session; `send` raises RecipientRefused for one refused message, MailError otherwise."""

    def __init__(self, settings: SmtpSettings, smtp: smtplib.SMTP) -> None:
        self.settings = settings
        self._smtp = smtp

    def send(self, message: EmailMessage) -> None:
        where = _where(self.settings)
        to = message["To"]
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            replies = "; ".join(f"{a} : {c} {m.decode('utf-8', 'replace')}" for a, (c, m) in error.recipients.items())
            raise RecipientRefused(f"Le serveur {where} refuse le destinataire {to} ({replies[:200]}).") from error
        except smtplib.SMTPSenderRefused as error:
            raise MailError(
                f"Le serveur {where} refuse l'expéditeur {self.settings.sender} ({_reply(error)}) : "
                "vérifiez « sender » dans [smtp]."
            ) from error
        except smtplib.SMTPDataError as error:
            if 500 <= error.smtp_code < 600:
                raise RecipientRefused(f"Le serveur {where} refuse le message pour {to} ({_reply(error)}).") from error
            raise MailError(
                f"Le serveur {where} n'accepte plus de message pour l'instant ({_reply(error)})."
            ) from error
        except smtplib.SMTPServerDisconnected as error:
            raise MailError(f"Le serveur {where} a coupé la connexion pendant l'envoi à {to}.") from error
        except smtplib.SMTPException as error:
            raise MailError(f"Le serveur {where} a refusé l'envoi à {to} ({str(error)[:200]}).") from error
        except OSError as error:
            raise MailError(f"Le serveur {where} ne répond plus (envoi à {to} : {error.strerror or error}).") from error
        if refused:
            raise RecipientRefused(f"Le serveur {where} refuse le destinataire {', '.join(refused)}.")


@contextmanager
def connect(settings: SmtpSettings, *, timeout: float = TIMEOUT_SECONDS) -> Iterator[Connection]:
    """An SMTP session (STARTTLS and login when configured), closed at the end; French errors."""
    where = _where(settings)
    try:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    except (socket.gaierror, UnicodeError) as error:
        raise MailError(f"Serveur SMTP {settings.host} introuvable : vérifiez « host » dans [smtp].") from error
    except smtplib.SMTPException as error:
        raise MailError(f"Le serveur SMTP {where} refuse la connexion ({str(error)[:200]}).") from error
    except OSError as error:
        raise MailError(
            f"Impossible de joindre le serveur SMTP {where} ({error.strerror or error}) : vérifiez « host » et "
            "« port » dans [smtp], et que le serveur est démarré."
        ) from error
    try:
        try:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user and settings.password:
                smtp.login(settings.user, settings.password)
        except smtplib.SMTPAuthenticationError as error:
            raise MailError(
                f"Le serveur SMTP {where} refuse l'identification de {settings.user} : vérifiez « user » et "
                "« password »."
            ) from error
        except smtplib.SMTPNotSupportedError as error:
            raise MailError(
                f"Le serveur SMTP {where} ne propose pas {'STARTTLS' if settings.starttls else 'l’identification'} : "
                "vérifiez « starttls », « user » et « password » dans [smtp]."
            ) from error
        except (smtplib.SMTPException, ssl.SSLError, OSError) as error:
            raise MailError(f"Le serveur SMTP {where} a refusé l'ouverture de session ({str(error)[:200]}).") from error
        yield Connection(settings, smtp)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
