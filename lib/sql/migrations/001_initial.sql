-- Schema 1: imports with provenance, OF declaration lines, internal records, roster, referentials, settings.
CREATE SEQUENCE IF NOT EXISTS import_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS record_id_seq START 1;

CREATE TABLE IF NOT EXISTS imports (
    id INTEGER PRIMARY KEY,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    size BIGINT NOT NULL,
    kind VARCHAR NOT NULL,            -- of | internal | roster | competences
    portal_kind VARCHAR,              -- ADF | JDR for OF files
    organisme VARCHAR,
    rows INTEGER NOT NULL,
    inserted INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    received_on DATE,                 -- when the OF declared / the file was obtained
    imported_at TIMESTAMP NOT NULL,
    who VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS organismes (
    name VARCHAR PRIMARY KEY,
    siret VARCHAR
);

CREATE TABLE IF NOT EXISTS of_lines (
    organisme VARCHAR NOT NULL,
    id_unique_partenaire VARCHAR NOT NULL,
    portal_kind VARCHAR NOT NULL,
    id_declaration VARCHAR,
    reference_declaration VARCHAR,
    type_jdr VARCHAR,
    nom_jdr VARCHAR,
    nom_option_specialite VARCHAR,
    mode_obtention VARCHAR,
    competence_transferable VARCHAR,
    presence_formation VARCHAR,
    nom_formation VARCHAR,
    date_debut_formation DATE,
    date_fin_formation DATE,
    modalite_dispense VARCHAR,
    qualification_formateur VARCHAR,
    formation_certifiante VARCHAR,
    certification_visee VARCHAR,
    domaine_formation VARCHAR,
    specialite_formation VARCHAR,
    nir VARCHAR,
    nom_titulaire VARCHAR,
    presence_employeur VARCHAR,
    siret_employeur VARCHAR,
    reference_employeur VARCHAR,
    date_debut_validite DATE,
    date_fin_validite DATE,
    resultat_obtenu VARCHAR,
    mention_obtenue VARCHAR,
    lien_preuve VARCHAR,
    identifiant_preuve VARCHAR,
    source_line INTEGER,
    first_import_id INTEGER NOT NULL,
    last_import_id INTEGER NOT NULL,
    first_received_on DATE,
    last_received_on DATE
    -- (organisme, id_unique_partenaire) is unique: the import merge guarantees it (an index would slow
    -- a 200 MB import by a third, and DuckDB joins do not use it).
);

CREATE TABLE IF NOT EXISTS of_line_changes (
    organisme VARCHAR NOT NULL,
    id_unique_partenaire VARCHAR NOT NULL,
    import_id INTEGER NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    field VARCHAR NOT NULL,
    old_value VARCHAR,
    new_value VARCHAR
);

CREATE TABLE IF NOT EXISTS employees (
    matricule VARCHAR PRIMARY KEY,
    nir VARCHAR,
    birth_name VARCHAR,
    usage_name VARCHAR,
    first_name VARCHAR,
    establishment_siret VARCHAR,
    site VARCHAR,
    service VARCHAR,
    manager VARCHAR,
    entry_date DATE,
    exit_date DATE,
    import_id INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS training_records (
    id BIGINT PRIMARY KEY DEFAULT nextval('record_id_seq'),
    natural_key VARCHAR NOT NULL UNIQUE,
    matricule VARCHAR,
    nir VARCHAR,
    birth_name VARCHAR,
    usage_name VARCHAR,
    first_name VARCHAR,
    establishment_siret VARCHAR,
    site VARCHAR,
    service VARCHAR,
    training_title VARCHAR NOT NULL,
    training_type VARCHAR,
    category INTEGER,
    organisme VARCHAR,
    organisme_siret VARCHAR,
    is_internal BOOLEAN NOT NULL,
    proof_kind VARCHAR NOT NULL,
    start_date DATE,
    end_date DATE NOT NULL,
    validity_start DATE,
    validity_end DATE,
    validity_end_proposed BOOLEAN NOT NULL DEFAULT false,
    reference VARCHAR,
    source_line INTEGER,
    import_id INTEGER NOT NULL,
    last_import_id INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS competences (
    code VARCHAR PRIMARY KEY,
    type VARCHAR,
    categorie VARCHAR,
    sous_categorie VARCHAR,
    libelle VARCHAR,
    import_id INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS establishments (
    siret VARCHAR PRIMARY KEY,
    name VARCHAR,
    site VARCHAR
);

CREATE TABLE IF NOT EXISTS settings (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    who VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS header_mappings (
    kind VARCHAR NOT NULL,
    source_header VARCHAR NOT NULL,
    field VARCHAR NOT NULL,
    PRIMARY KEY (kind, source_header)
);
