-- Schema 5: the employer's required trainings per job, service or site (their choices, never the law), and the
-- job title of each employee (the roster's « Poste »). See lib/requirements.py.
ALTER TABLE employees ADD COLUMN IF NOT EXISTS job VARCHAR;
CREATE SEQUENCE IF NOT EXISTS requirement_id_seq START 1;
CREATE TABLE IF NOT EXISTS requirements (
    id INTEGER PRIMARY KEY DEFAULT nextval('requirement_id_seq'),
    job VARCHAR,
    service VARCHAR,
    site VARCHAR,
    family VARCHAR NOT NULL,
    title_words VARCHAR,
    min_share DOUBLE CHECK (min_share IS NULL OR (min_share > 0 AND min_share <= 1)),
    note VARCHAR,
    updated_at TIMESTAMP NOT NULL,
    updated_by VARCHAR NOT NULL
);
