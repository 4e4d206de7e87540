-- Schema 2: room for the employer's workflow — append-only actions, generated portal files, the identifier ledger.
CREATE SEQUENCE IF NOT EXISTS action_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS export_id_seq START 1;

CREATE TABLE IF NOT EXISTS actions (
    id BIGINT PRIMARY KEY DEFAULT nextval('action_id_seq'),
    acted_at TIMESTAMP NOT NULL,
    who VARCHAR NOT NULL,
    target_kind VARCHAR NOT NULL,     -- of_line | record | export | pairing | settings
    target_key VARCHAR NOT NULL,
    action VARCHAR NOT NULL,          -- accepted | correction_requested | undone | deposited | …
    reason VARCHAR,
    undoes BIGINT
);

CREATE TABLE IF NOT EXISTS exports (
    id INTEGER PRIMARY KEY,
    kind VARCHAR NOT NULL,            -- carence | internal
    portal_kind VARCHAR NOT NULL,     -- ADF | JDR
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    lines INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    who VARCHAR NOT NULL,
    status VARCHAR NOT NULL,          -- generated | deposited | undone
    status_at TIMESTAMP NOT NULL,
    today DATE NOT NULL,              -- the day the file was computed for
    content BLOB NOT NULL             -- the exact bytes served, so history can be downloaded again
);

CREATE TABLE IF NOT EXISTS export_lines (
    export_id INTEGER NOT NULL,
    record_id BIGINT NOT NULL,
    id_declaration VARCHAR NOT NULL,
    id_unique_partenaire VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS partner_id_ledger (
    id_unique_partenaire VARCHAR PRIMARY KEY,
    export_id INTEGER NOT NULL,
    record_id BIGINT NOT NULL,
    reserved_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS manual_pairings (
    record_id BIGINT NOT NULL,
    organisme VARCHAR NOT NULL,
    id_unique_partenaire VARCHAR NOT NULL,
    paired_at TIMESTAMP NOT NULL,
    who VARCHAR NOT NULL,
    PRIMARY KEY (record_id, organisme, id_unique_partenaire)
);
