-- Schema 6: reminders by e-mail (issue 15 §2). The site managers who receive the expiries of their people, and
-- the log of every message sent: one row per recipient, kind, stage and item, so a rerun sends nothing twice.
-- (Schemas 4 and 5 belong to other features; migrations apply in order of their number and a gap is accepted.)
CREATE TABLE IF NOT EXISTS site_managers (
    site VARCHAR NOT NULL,
    manager VARCHAR NOT NULL,   -- as the `manager` column of the employees names them
    email VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    who VARCHAR NOT NULL,
    PRIMARY KEY (site, manager)
);

CREATE TABLE IF NOT EXISTS reminders_sent (
    recipient VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,      -- 'digest' (weekly, HR) or 'expiry' (site manager)
    stage VARCHAR NOT NULL,     -- the ISO week of a digest ('2026-S48'); an expiry's threshold ('90', …, 'overdue')
    item_key VARCHAR NOT NULL,  -- '' for a digest; matricule|formation|validity end for an expiry (never a NIR)
    subject VARCHAR NOT NULL,
    message_id VARCHAR NOT NULL,
    sent_on DATE NOT NULL,      -- the day of the run (--today)
    sent_at TIMESTAMP NOT NULL, -- wall-clock time of the sending
    who VARCHAR NOT NULL,
    PRIMARY KEY (recipient, kind, stage, item_key)
);
