-- Schema 7: each workflow list's columns that depend neither on today nor on the verification decisions, already
-- joined (issue 13 « each ask is a single scan »). lib/sql/derive_lists.sql fills them from the tables of
-- 004_derived.sql in the transaction of every write (lib/store/derived.py), in the list's own order
-- (lib/store/lists.py DEFAULT_ORDER) so that ORDER BY … LIMIT reads few blocks; the lists of lib/sql add the
-- statuses at $today and the last decisions (pp_last_actions, per read connection). `search_text` is the row's
-- search text normalized (lib/lists.py search_text_sql). Derived: never backed up (lib/backup.py).
-- The columns are those of the tables they come from, typed by them (LIMIT 0).
CREATE TABLE IF NOT EXISTS pp_list_of_declarations AS
SELECT
    f.* EXCLUDE (nom_jdr),
    NULL::BIGINT AS record_id,
    NULL::VARCHAR AS paired_how,
    NULL::VARCHAR AS discrepancies,
    NULL::VARCHAR AS discrepancy_details,
    NULL::VARCHAR AS reconciliation,
    NULL::VARCHAR AS matricule,
    NULL::VARCHAR AS site,
    NULL::VARCHAR AS service,
    NULL::DATE AS carence_opens_on,
    NULL::DATE AS carence_deadline,
    NULL::BOOLEAN AS declared_in_carence,
    NULL::BOOLEAN AS closed_before_employer_space,
    NULL::VARCHAR AS establishment,
    NULL::VARCHAR AS search_text
FROM pp_line_facts f
LIMIT 0;

CREATE TABLE IF NOT EXISTS pp_list_expected AS
SELECT
    r.*,
    NULL::VARCHAR AS line_key,
    NULL::VARCHAR AS paired_how,
    NULL::VARCHAR AS discrepancies,
    NULL::VARCHAR AS discrepancy_details,
    NULL::VARCHAR AS declared_by,
    NULL::DATE AS declared_on,
    NULL::BOOLEAN AS declared_late,
    NULL::VARCHAR AS of_partner_id,
    NULL::BOOLEAN AS declared_by_of,
    NULL::BOOLEAN AS declared_in_carence,
    NULL::INTEGER AS carence_export_id,
    NULL::BOOLEAN AS ambiguous,
    NULL::DATE AS employer_scope_from,
    NULL::VARCHAR AS reconciliation,
    NULL::VARCHAR AS search_text
FROM pp_records r
LIMIT 0;

CREATE TABLE IF NOT EXISTS pp_list_internal AS
SELECT
    r.*,
    NULL::BOOLEAN AS declared,
    NULL::INTEGER AS internal_export_id,
    NULL::VARCHAR AS search_text
FROM pp_records r
LIMIT 0;

CREATE TABLE IF NOT EXISTS pp_list_validities AS
SELECT
    r.*,
    NULL::DATE AS effective_validity_end,
    NULL::VARCHAR AS validity_source,
    NULL::BOOLEAN AS is_latest,
    NULL::VARCHAR AS formation,
    NULL::VARCHAR AS search_text
FROM pp_records r
LIMIT 0;
