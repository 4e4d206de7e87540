-- Schema 4: the deadlines and the reconciliation, persisted (issue 13 « deadlines are data, statuses are a view »).
-- What lib/sql/prepare_workflow.sql computed on every read now lives in these tables, refreshed by every write
-- that changes them, in its own transaction (lib/store/derived.py, lib/sql/derive.sql). Nothing here depends on
-- today nor on the verification decisions: statuses, labels, due dates and the decision columns are computed
-- by the list queries at read time. Derived from the other tables: never backed up (lib/backup.py), recomputed
-- after a restore. The migration step fills them (lib/store/connection.py).
-- pp_derived_state says under which rule set and tolerance they were computed ('rules', 'tolerance').
CREATE TABLE IF NOT EXISTS pp_derived_state (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);

CREATE TABLE IF NOT EXISTS pp_title_keys (
    title VARCHAR,
    norm VARCHAR,
    training_key VARCHAR,
    family VARCHAR,
    family_label VARCHAR
);

CREATE TABLE IF NOT EXISTS pp_employer_sirets (
    siret VARCHAR
);

CREATE TABLE IF NOT EXISTS pp_records (
    id BIGINT,
    natural_key VARCHAR,
    matricule VARCHAR,
    nir VARCHAR,
    birth_name VARCHAR,
    usage_name VARCHAR,
    first_name VARCHAR,
    establishment_siret VARCHAR,
    site VARCHAR,
    service VARCHAR,
    training_title VARCHAR,
    training_type VARCHAR,
    category INTEGER,
    organisme VARCHAR,
    organisme_siret VARCHAR,
    is_internal BOOLEAN,
    proof_kind VARCHAR,
    start_date DATE,
    end_date DATE,
    validity_start DATE,
    validity_end DATE,
    validity_end_proposed BOOLEAN,
    reference VARCHAR,
    source_line INTEGER,
    import_id INTEGER,
    last_import_id INTEGER,
    person_nir VARCHAR,
    person_birth_name VARCHAR,
    person_usage_name VARCHAR,
    person_first_name VARCHAR,
    person_siret VARCHAR,
    person_site VARCHAR,
    person_service VARCHAR,
    manager VARCHAR,
    exit_date DATE,
    title_norm VARCHAR,
    training_key VARCHAR,
    training_family VARCHAR,
    training_family_label VARCHAR,
    r DATE,
    quarter_end DATE,
    of_deadline DATE,
    verification_deadline DATE,
    internal_deadline DATE,
    of_mandatory BOOLEAN,
    internal_mandatory BOOLEAN,
    carence_opens_on DATE,
    carence_deadline DATE,
    extension_applied BOOLEAN,
    category_unknown BOOLEAN
);

CREATE TABLE IF NOT EXISTS pp_line_facts (
    organisme VARCHAR,
    id_unique_partenaire VARCHAR,
    portal_kind VARCHAR,
    id_declaration VARCHAR,
    nom_jdr VARCHAR,
    nom_formation VARCHAR,
    date_debut_formation DATE,
    date_fin_formation DATE,
    nir VARCHAR,
    nom_titulaire VARCHAR,
    presence_employeur VARCHAR,
    siret_employeur VARCHAR,
    date_debut_validite DATE,
    date_fin_validite DATE,
    first_received_on DATE,
    last_received_on DATE,
    line_key VARCHAR,
    title VARCHAR,
    title_norm VARCHAR,
    training_key VARCHAR,
    r DATE,
    concerned BOOLEAN,
    of_deadline DATE,
    verification_deadline DATE,
    deemed_verified_on DATE,
    extension_applied BOOLEAN,
    declared_late BOOLEAN
);

CREATE TABLE IF NOT EXISTS pp_candidates (
    record_id BIGINT,
    line_key VARCHAR,
    day_gap BIGINT,
    nir VARCHAR
);

CREATE TABLE IF NOT EXISTS pp_pairs (
    record_id BIGINT,
    line_key VARCHAR,
    how VARCHAR,
    discrepancies VARCHAR,
    discrepancy_details VARCHAR
);

CREATE TABLE IF NOT EXISTS pp_ambiguous (
    record_id BIGINT,
    line_key VARCHAR,
    day_gap BIGINT
);

CREATE TABLE IF NOT EXISTS pp_declared_records (
    record_id BIGINT,
    kind VARCHAR,
    export_id INTEGER,
    declared_at TIMESTAMP
);
