-- Schema 8: who each requirement applies to, and the trainings they hold that meet it (issue 13 « deadlines are
-- data, statuses are a view », issue 15 « Manquants »). lib/sql/derive_requirements.sql fills them in the
-- transaction of every write that can change them (lib/store/derived.py refresh_derived, and replacing the
-- requirements: lib/store/requirements.py); what depends on today (presence, trainings ended by then, the state)
-- is computed by lib/sql/missing_trainings.sql and requirement_shares.sql at read time. Derived: never backed up.

-- One row per (employee, requirement that applies to them), present or not (exit_date is kept: presence is a
-- day's question). `chosen`: the most specific requirement of a family and title words that is not a collective
-- share (what the « Manquants » list keeps). The best training held of all those matching (the one that keeps the
-- requirement valid longest, then the latest), and the latest end date of them (`held_until`): when no training
-- ends after a day, the best at that day is this one. `search_text`: the person's search text, normalized
-- (lib/lists.py search_text_sql).
CREATE TABLE IF NOT EXISTS pp_requirement_people (
    matricule VARCHAR,
    person_nir VARCHAR,
    person_birth_name VARCHAR,
    person_usage_name VARCHAR,
    person_first_name VARCHAR,
    person_site VARCHAR,
    person_service VARCHAR,
    job VARCHAR,
    manager VARCHAR,
    exit_date DATE,
    requirement_id INTEGER,
    family VARCHAR,
    title_words VARCHAR,
    min_share DOUBLE,
    scope VARCHAR,
    chosen BOOLEAN,
    best_training VARCHAR,
    best_end_date DATE,
    best_validity_end DATE,
    held_until DATE,
    search_text VARCHAR
);

-- One row per (employee, requirement that applies to them, training of the validity list they hold of the
-- requirement's family whose title has the requirement's words): its title, end date and validity end (the
-- record's, else the OF's: pp_list_validities.effective_validity_end).
CREATE TABLE IF NOT EXISTS pp_requirement_held (
    matricule VARCHAR,
    requirement_id INTEGER,
    person_nir VARCHAR,
    training_title VARCHAR,
    end_date DATE,
    validity_end DATE
);
