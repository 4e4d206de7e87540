-- Each workflow list's columns that depend neither on today nor on the decisions, already joined (the tables of
-- lib/sql/migrations/007_list_tables.sql), in the list's own order. Run by lib/store/derived.py after derive.sql
-- and derive_list_scope.sql (same transaction), and by compute_workflow into TEMP tables. $all_lines: rewrite
-- pp_list_of_declarations whole, else only the lines of pp_list_scope_lines; $all_records: rewrite the three lists
-- of records whole, else only the records of pp_list_scope_records (and of the people of pp_scope_nirs).
-- The search texts come from the TEMP macros pp_search_<list> (lib/lists.py search_text_sql).

DELETE FROM pp_list_of_declarations WHERE $all_lines OR line_key IN (SELECT line_key FROM pp_list_scope_lines);

-- The scope's lines' pairs with their records' columns, apart: a small table the join below hashes (joined in one
-- statement, the hash table was built on the scope's lines, every column of them, twice).
CREATE OR REPLACE TEMP TABLE pp_list_line_pairs AS
SELECT
    p.line_key,
    p.record_id,
    p.how,
    p.discrepancies,
    p.discrepancy_details,
    r.id AS paired_record,
    r.matricule,
    r.person_site,
    r.person_service,
    r.r,
    r.category,
    r.carence_opens_on,
    r.carence_deadline,
    dr.record_id IS NOT NULL AS declared_in_carence
FROM pp_pairs p
LEFT JOIN pp_records r ON r.id = p.record_id
LEFT JOIN pp_declared_records dr ON dr.record_id = p.record_id AND dr.kind = 'carence'
WHERE $all_lines OR p.line_key IN (SELECT line_key FROM pp_list_scope_lines);

INSERT INTO pp_list_of_declarations BY NAME
SELECT
    l.* EXCLUDE (nom_jdr),
    p.record_id,
    p.how AS paired_how,
    coalesce(p.discrepancies, '') AS discrepancies,
    coalesce(p.discrepancy_details, '') AS discrepancy_details,
    CASE
        WHEN p.record_id IS NOT NULL THEN 'rapprochée'
        WHEN l.line_key IN (SELECT line_key FROM pp_ambiguous) THEN 'à rapprocher'
        ELSE 'inattendue'
    END AS reconciliation,
    p.matricule,
    p.person_site AS site,
    p.person_service AS service,
    -- The carence a correction not made leads to: the matched record's window (the employer's values),
    -- none outside the employer's scope; an unmatched line's own window (category unknown: owed).
    CASE WHEN p.paired_record IS NULL THEN pp_carence_opens_on(l.r, NULL)
         WHEN pp_employer_scope_from(p.r, p.category) IS NULL THEN p.carence_opens_on END AS carence_opens_on,
    CASE WHEN p.paired_record IS NULL THEN pp_carence_deadline(l.r, NULL)
         WHEN pp_employer_scope_from(p.r, p.category) IS NULL THEN p.carence_deadline END AS carence_deadline,
    coalesce(p.declared_in_carence, false) AS declared_in_carence,
    pp_closed_before_employer_space(l.verification_deadline) AS closed_before_employer_space,
    coalesce(e.site, p.person_site) AS establishment,
    pp_search_of_declarations(l.nom_titulaire, p.matricule, l.id_declaration, l.id_unique_partenaire) AS search_text
FROM pp_line_facts l
LEFT JOIN pp_list_line_pairs p USING (line_key)
LEFT JOIN establishments e ON e.siret = l.siret_employeur
WHERE $all_lines OR l.line_key IN (SELECT line_key FROM pp_list_scope_lines)
ORDER BY l.concerned DESC, l.verification_deadline NULLS LAST, l.organisme, l.id_unique_partenaire;

DELETE FROM pp_list_expected
WHERE $all_records OR person_nir IN (SELECT nir FROM pp_scope_nirs) OR id IN (SELECT id FROM pp_list_scope_records);

INSERT INTO pp_list_expected BY NAME
SELECT
    r.*,
    p.line_key,
    p.how AS paired_how,
    coalesce(p.discrepancies, '') AS discrepancies,
    coalesce(p.discrepancy_details, '') AS discrepancy_details,
    l.organisme AS declared_by,
    l.first_received_on AS declared_on,
    l.declared_late,
    l.id_unique_partenaire AS of_partner_id,
    p.record_id IS NOT NULL AS declared_by_of,
    dr.record_id IS NOT NULL AS declared_in_carence,
    dr.export_id AS carence_export_id,
    r.id IN (SELECT record_id FROM pp_ambiguous) AS ambiguous,
    -- A carence is the employer's declaration: its scope applies (categories 3–4 from its full-scope date).
    pp_employer_scope_from(r.r, r.category) AS employer_scope_from,
    CASE
        WHEN p.record_id IS NOT NULL AND coalesce(p.discrepancies, '') <> '' THEN 'déclarée avec écarts'
        WHEN p.record_id IS NOT NULL THEN 'déclarée, conforme'
        WHEN r.id IN (SELECT record_id FROM pp_ambiguous) THEN 'à rapprocher'
        ELSE 'non déclarée'
    END AS reconciliation,
    pp_search_expected_trainings(r.person_birth_name, r.person_usage_name, r.person_first_name, r.matricule)
        AS search_text
FROM pp_records r
LEFT JOIN pp_pairs p ON p.record_id = r.id
LEFT JOIN pp_line_facts l ON l.line_key = p.line_key
LEFT JOIN pp_declared_records dr ON dr.record_id = r.id AND dr.kind = 'carence'
WHERE NOT r.is_internal AND ($all_records OR r.id IN (SELECT id FROM pp_list_scope_records))
ORDER BY r.of_deadline NULLS LAST, r.person_birth_name, r.id;

DELETE FROM pp_list_internal
WHERE $all_records OR person_nir IN (SELECT nir FROM pp_scope_nirs) OR id IN (SELECT id FROM pp_list_scope_records);

INSERT INTO pp_list_internal BY NAME
SELECT
    r.*,
    dr.record_id IS NOT NULL AS declared,
    dr.export_id AS internal_export_id,
    pp_search_internal_trainings(r.person_birth_name, r.person_usage_name, r.person_first_name, r.matricule)
        AS search_text
FROM pp_records r
LEFT JOIN pp_declared_records dr ON dr.record_id = r.id AND dr.kind = 'internal'
WHERE r.is_internal AND ($all_records OR r.id IN (SELECT id FROM pp_list_scope_records))
ORDER BY r.internal_deadline NULLS LAST, r.person_birth_name, r.id;

DELETE FROM pp_list_validities
WHERE $all_records OR person_nir IN (SELECT nir FROM pp_scope_nirs) OR id IN (SELECT id FROM pp_list_scope_records);

INSERT INTO pp_list_validities BY NAME
SELECT
    r.*,
    coalesce(r.validity_end, l.date_fin_validite) AS effective_validity_end,
    CASE
        WHEN r.validity_end IS NOT NULL AND r.validity_end_proposed THEN 'recommandation'
        WHEN r.validity_end IS NOT NULL THEN 'SIRH'
        WHEN l.date_fin_validite IS NOT NULL THEN 'déclaration OF'
    END AS validity_source,
    latest.record_id IS NOT NULL AS is_latest,
    -- One habilitation per family (a MAC SST renews the SST), named as the durations table names it.
    coalesce(r.training_family_label, r.training_type, r.training_title) AS formation,
    pp_search_validities(r.person_birth_name, r.person_usage_name, r.person_first_name, r.matricule) AS search_text
FROM pp_records r
-- The latest of each (person, family) by end date, then id: a grouped arg_max over narrow rows.
LEFT JOIN (
    SELECT arg_max(id, (end_date, id)) AS record_id FROM pp_records
    WHERE $all_records OR coalesce(matricule, person_nir) IN (
        SELECT coalesce(matricule, person_nir) FROM pp_records WHERE id IN (SELECT id FROM pp_list_scope_records)
    )
    GROUP BY coalesce(matricule, person_nir), coalesce(training_family, title_norm)
) latest ON latest.record_id = r.id
LEFT JOIN pp_pairs p ON p.record_id = r.id
LEFT JOIN pp_line_facts l ON l.line_key = p.line_key
WHERE $all_records OR r.id IN (SELECT id FROM pp_list_scope_records)
ORDER BY coalesce(r.validity_end, l.date_fin_validite) NULLS LAST, r.person_birth_name, r.id;
