"""The reminders' tables: the site managers who receive expiries, and the sent log that makes a rerun send
nothing twice (each message recorded in the transaction of its sending)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from lib.reminders import Message, SentKey, SiteManager
from lib.store.connection import StoreBase, audit, transaction


class RemindersMixin(StoreBase):
    """Site managers and the sent log of the reminder e-mails."""

    def site_managers(self) -> list[SiteManager]:
        if not self.path.exists():
            return []
        with self.read() as con:
            rows = con.execute("SELECT site, manager, email FROM site_managers ORDER BY site, manager").fetchall()
        return [SiteManager(str(s), str(m), str(e)) for s, m, e in rows]

    def replace_site_managers(self, managers: Iterable[SiteManager], *, who: str | None = None) -> str:
        """Replace the managers' list (already checked by lib.reminders.validate_managers); audited."""
        who = who or self.user
        rows = list(managers)
        with self.connect() as con, transaction(con):
            con.execute("DELETE FROM site_managers")
            for m in rows:
                con.execute(
                    "INSERT INTO site_managers VALUES ($site, $manager, $email, now()::TIMESTAMP, $who)",
                    {"site": m.site, "manager": m.manager, "email": m.email, "who": who},
                )
            audit(con, who=who, target_kind="site_managers", target_key="responsables", action="replaced",
                  reason=f"{len(rows)} responsable(s)")  # fmt: skip
        return f"{len(rows)} responsable(s) de site enregistré(s)."

    def sent_reminder_keys(self) -> frozenset[SentKey]:
        """Every (recipient, kind, stage, item) already sent."""
        if not self.path.exists():
            return frozenset()
        with self.read() as con:
            rows = con.execute("SELECT recipient, kind, stage, item_key FROM reminders_sent").fetchall()
        return frozenset((str(r), str(k), str(s), str(i)) for r, k, s, i in rows)

    def send_recorded(
        self, message: Message, message_id: str, send: Callable[[], None], *, today: date, who: str | None = None
    ) -> bool:
        """Record `message` in the sent log and the audit, send it with `send`, and commit only once the server
        accepted it: a refusal (any exception of `send`) rolls the record back. False, and nothing sent, when the
        log already holds it (another run got there first: the write turn makes this check and the send one step).
        """
        who = who or self.user
        keys = message.sent_keys
        with self.connect() as con, transaction(con):
            for recipient, kind, stage, item in keys:
                found = con.execute(
                    "SELECT 1 FROM reminders_sent WHERE recipient = $r AND kind = $k AND stage = $s AND item_key = $i",
                    {"r": recipient, "k": kind, "s": stage, "i": item},
                ).fetchone()
                if found:
                    return False
            for recipient, kind, stage, item in keys:
                con.execute(
                    "INSERT INTO reminders_sent VALUES ($r, $k, $s, $i, $subject, $id, $day, now()::TIMESTAMP, $who)",
                    {"r": recipient, "k": kind, "s": stage, "i": item, "subject": message.subject, "id": message_id,
                     "day": today, "who": who},
                )  # fmt: skip
            audit(con, who=who, target_kind="reminder", target_key=message.recipient, action="sent",
                  reason=message.subject, effective_on=today)  # fmt: skip
            send()
        return True
