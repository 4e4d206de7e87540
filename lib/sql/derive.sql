-- The deadlines and the reconciliation, persisted (the tables of lib/sql/migrations/004_derived.sql): what
-- lib/sql/prepare_workflow.sql computes, minus everything that depends on today or on the decisions (those stay
-- in the list queries, over the TEMP macros and pp_last_actions of each read connection).
-- Run by lib/store/derived.py inside the transaction of every write that changes them, with the active rule
-- set's TEMP macros and pp_title_keys refreshed first. $all: recompute everything. Else a delta, set-based, over
-- two TEMP tables the caller fills: pp_scope_nirs(nir), the people whose records are recomputed (with all their
-- lines and candidates; the caller closes it over the manual pairings), and pp_scope_lines(line_key), the OF lines
-- the write inserted or changed (their facts and candidates only: nobody's deadlines change). Pairing is per NIR
-- (candidates join on it), so a pair, an ambiguity or a list row can change only for the records whose candidate
-- set changed or the lines recomputed, and for the records and lines of the pairs those make or break: the scope
-- tables below follow that chain, and derive_lists.sql reads them.
DELETE FROM pp_employer_sirets;

INSERT INTO pp_employer_sirets
SELECT siret FROM establishments
UNION
SELECT DISTINCT establishment_siret FROM employees WHERE establishment_siret IS NOT NULL;

DELETE FROM pp_records WHERE $all OR person_nir IN (SELECT nir FROM pp_scope_nirs);

INSERT INTO pp_records BY NAME
WITH base AS (
    SELECT
        t.*,
        coalesce(t.nir, e.nir) AS person_nir,
        coalesce(t.birth_name, e.birth_name) AS person_birth_name,
        coalesce(t.usage_name, e.usage_name) AS person_usage_name,
        coalesce(t.first_name, e.first_name) AS person_first_name,
        coalesce(t.establishment_siret, e.establishment_siret) AS person_siret,
        coalesce(t.site, e.site) AS person_site,
        coalesce(t.service, e.service) AS person_service,
        e.manager,
        e.exit_date,
        k.norm AS title_norm,
        k.training_key,
        k.family AS training_family,
        k.family_label AS training_family_label,
        pp_reference_date(t.proof_kind, t.end_date, coalesce(t.validity_start, t.end_date)) AS r
    FROM training_records t
    LEFT JOIN employees e USING (matricule)
    LEFT JOIN pp_title_keys k ON k.title = t.training_title
    WHERE $all OR coalesce(t.nir, e.nir) IN (SELECT nir FROM pp_scope_nirs)
)
SELECT
    *,
    pp_quarter_end(r) AS quarter_end,
    pp_of_deadline(r) AS of_deadline,
    pp_verification_deadline(r) AS verification_deadline,
    pp_internal_deadline(r) AS internal_deadline,
    pp_of_mandatory(r, category) AS of_mandatory,
    pp_internal_mandatory(r, category) AS internal_mandatory,
    pp_carence_opens_on(r, category) AS carence_opens_on,
    pp_carence_deadline(r, category) AS carence_deadline,
    pp_extension_applied(r) AS extension_applied,
    category IS NULL AS category_unknown
FROM base;

-- The lines recomputed: the scope's people's (as the persisted tables knew them and as of_lines has them) and the
-- lines the write changed.
CREATE OR REPLACE TEMP TABLE pp_scope_line_keys AS
SELECT line_key FROM pp_line_facts WHERE NOT $all AND nir IN (SELECT nir FROM pp_scope_nirs)
UNION
SELECT organisme || '|' || id_unique_partenaire FROM of_lines WHERE NOT $all AND nir IN (SELECT nir FROM pp_scope_nirs)
UNION
SELECT line_key FROM pp_scope_lines WHERE NOT $all;

DELETE FROM pp_line_facts WHERE $all OR line_key IN (SELECT line_key FROM pp_scope_line_keys);

INSERT INTO pp_line_facts BY NAME
WITH base AS (
    SELECT
        -- Every column the workflow uses; the portal's descriptive ones stay in of_lines.
        o.* EXCLUDE (
            reference_declaration, type_jdr, nom_option_specialite, mode_obtention, competence_transferable,
            presence_formation, modalite_dispense, qualification_formateur, formation_certifiante,
            certification_visee, domaine_formation, specialite_formation, reference_employeur, resultat_obtenu,
            mention_obtenue, lien_preuve, identifiant_preuve, first_import_id, last_import_id, source_line
        ),
        o.organisme || '|' || o.id_unique_partenaire AS line_key,
        coalesce(o.nom_formation, o.nom_jdr) AS title,
        k.norm AS title_norm,
        k.training_key,
        pp_reference_date(o.portal_kind, o.date_fin_formation, o.date_debut_validite) AS r,
        (o.presence_employeur = 'OUI' AND o.siret_employeur IN (SELECT siret FROM pp_employer_sirets)) AS concerned
    FROM of_lines o
    LEFT JOIN pp_title_keys k ON k.title = coalesce(o.nom_formation, o.nom_jdr)
    WHERE $all OR o.organisme || '|' || o.id_unique_partenaire IN (SELECT line_key FROM pp_scope_line_keys)
)
SELECT
    b.*,
    pp_of_deadline(b.r) AS of_deadline,
    pp_verification_deadline(b.r) AS verification_deadline,
    pp_deemed_verified_on(b.r) AS deemed_verified_on,
    pp_extension_applied(b.r) AS extension_applied,
    b.first_received_on > pp_of_deadline(b.r) AS declared_late
FROM base b;

-- A candidate joins a record and a line of the same NIR: those of the lines recomputed (the scope's people's lines
-- among them). One semi-join on the lines, before the join on NIR (an OR of two would be applied after it).
CREATE OR REPLACE TEMP TABLE pp_candidates_before AS
SELECT record_id, line_key FROM pp_candidates
WHERE NOT $all AND line_key IN (SELECT line_key FROM pp_scope_line_keys);

DELETE FROM pp_candidates WHERE $all OR line_key IN (SELECT line_key FROM pp_scope_line_keys);

INSERT INTO pp_candidates BY NAME
SELECT
    r.id AS record_id,
    l.line_key,
    abs(date_diff('day', r.end_date, coalesce(l.date_fin_formation, l.date_debut_validite))) AS day_gap,
    l.nir
FROM pp_records r
JOIN pp_line_facts l ON l.nir = r.person_nir
WHERE NOT r.is_internal
  AND ($all OR l.line_key IN (SELECT line_key FROM pp_scope_line_keys))
  AND (r.title_norm = l.title_norm OR (r.training_key IS NOT NULL AND r.training_key = l.training_key))
  AND abs(date_diff('day', r.end_date, coalesce(l.date_fin_formation, l.date_debut_validite))) <= $tolerance;

-- The records whose pairs are recomputed: the scope's people's, and those whose candidate set changed.
CREATE OR REPLACE TEMP TABLE pp_scope_records AS
SELECT id FROM pp_records WHERE NOT $all AND person_nir IN (SELECT nir FROM pp_scope_nirs)
UNION
SELECT record_id FROM (
    (SELECT record_id, line_key FROM pp_candidates_before
     EXCEPT SELECT record_id, line_key FROM pp_candidates WHERE line_key IN (SELECT line_key FROM pp_scope_line_keys))
    UNION ALL
    (SELECT record_id, line_key FROM pp_candidates WHERE line_key IN (SELECT line_key FROM pp_scope_line_keys)
     EXCEPT SELECT record_id, line_key FROM pp_candidates_before)
) WHERE NOT $all;

-- The pairs they had (the records and lines those pairs leave or take are recomputed further down).
CREATE OR REPLACE TEMP TABLE pp_pairs_before AS
SELECT record_id, line_key FROM pp_pairs
WHERE NOT $all AND (record_id IN (SELECT id FROM pp_scope_records)
                    OR line_key IN (SELECT line_key FROM pp_scope_line_keys));

DELETE FROM pp_pairs
WHERE $all OR record_id IN (SELECT id FROM pp_scope_records) OR line_key IN (SELECT line_key FROM pp_scope_line_keys);

INSERT INTO pp_pairs BY NAME
WITH all_manual AS (
    SELECT record_id, organisme || '|' || id_unique_partenaire AS line_key FROM manual_pairings
),
manual AS (
    SELECT * FROM all_manual
    WHERE $all OR record_id IN (SELECT id FROM pp_scope_records)
       OR line_key IN (SELECT line_key FROM pp_scope_line_keys)
),
open_candidates AS (
    SELECT record_id, line_key FROM pp_candidates
    WHERE record_id NOT IN (SELECT record_id FROM all_manual)
      AND line_key NOT IN (SELECT line_key FROM all_manual)
),
in_scope AS (
    SELECT * FROM open_candidates
    WHERE $all OR record_id IN (SELECT id FROM pp_scope_records) OR line_key IN (SELECT line_key FROM pp_scope_line_keys)
),
-- A pair is automatic when it is its record's only open candidate and its line's only one (counted over all).
single_records AS (
    SELECT record_id FROM open_candidates WHERE record_id IN (SELECT record_id FROM in_scope)
    GROUP BY record_id HAVING count(*) = 1
),
single_lines AS (
    SELECT line_key FROM open_candidates WHERE line_key IN (SELECT line_key FROM in_scope)
    GROUP BY line_key HAVING count(*) = 1
),
unique_pairs AS (
    SELECT record_id, line_key FROM in_scope
    WHERE record_id IN (SELECT record_id FROM single_records) AND line_key IN (SELECT line_key FROM single_lines)
),
matches AS (
    SELECT record_id, line_key, 'manuel' AS how FROM manual
    UNION ALL
    SELECT record_id, line_key, 'automatique' AS how FROM unique_pairs
)
SELECT
    m.record_id,
    m.line_key,
    m.how,
    concat_ws(', ',
        CASE WHEN r.end_date IS DISTINCT FROM l.date_fin_formation
               OR (l.date_debut_formation IS NOT NULL AND r.start_date IS DISTINCT FROM l.date_debut_formation)
             THEN 'dates' END,
        CASE WHEN upper(strip_accents(coalesce(r.person_birth_name, '')))
                  <> upper(strip_accents(coalesce(l.nom_titulaire, '')))
             THEN 'nom de naissance' END,
        CASE WHEN coalesce(l.siret_employeur, '') <> coalesce(r.person_siret, '') THEN 'SIRET' END,
        CASE WHEN r.validity_end IS NOT NULL AND r.validity_end IS DISTINCT FROM l.date_fin_validite
             THEN 'validité' END,
        CASE WHEN r.title_norm IS DISTINCT FROM l.title_norm
              AND (r.training_key IS NULL OR r.training_key IS DISTINCT FROM l.training_key)
             THEN 'intitulé' END
    ) AS discrepancies,
    concat_ws(' ; ',
        CASE WHEN r.end_date IS DISTINCT FROM l.date_fin_formation
               OR (l.date_debut_formation IS NOT NULL AND r.start_date IS DISTINCT FROM l.date_debut_formation)
             THEN 'dates attendues du ' || coalesce(strftime(r.start_date, '%d/%m/%Y'), '?') || ' au '
                  || strftime(r.end_date, '%d/%m/%Y') || ', déclarées du '
                  || coalesce(strftime(l.date_debut_formation, '%d/%m/%Y'), '?') || ' au '
                  || coalesce(strftime(l.date_fin_formation, '%d/%m/%Y'), '?') END,
        CASE WHEN upper(strip_accents(coalesce(r.person_birth_name, '')))
                  <> upper(strip_accents(coalesce(l.nom_titulaire, '')))
             THEN 'nom de naissance attendu « ' || coalesce(upper(r.person_birth_name), '?') || ' », déclaré « '
                  || coalesce(l.nom_titulaire, '') || ' »' END,
        CASE WHEN coalesce(l.siret_employeur, '') <> coalesce(r.person_siret, '')
             THEN 'SIRET attendu ' || coalesce(r.person_siret, '?') || ', déclaré '
                  || coalesce(l.siret_employeur, '(vide)') END,
        CASE WHEN r.validity_end IS NOT NULL AND r.validity_end IS DISTINCT FROM l.date_fin_validite
             THEN 'fin de validité attendue ' || strftime(r.validity_end, '%d/%m/%Y') || ', déclarée '
                  || coalesce(strftime(l.date_fin_validite, '%d/%m/%Y'), '(vide)') END,
        CASE WHEN r.title_norm IS DISTINCT FROM l.title_norm
              AND (r.training_key IS NULL OR r.training_key IS DISTINCT FROM l.training_key)
             THEN 'intitulé attendu « ' || r.training_title || ' », déclaré « ' || l.title || ' »' END
    ) AS discrepancy_details
FROM matches m
JOIN pp_records r ON r.id = m.record_id
JOIN pp_line_facts l ON l.line_key = m.line_key;

-- The records and lines whose pairing may have changed: those recomputed, and those of the pairs before and after.
CREATE OR REPLACE TEMP TABLE pp_touched_pairs AS
SELECT record_id, line_key FROM pp_pairs_before WHERE NOT $all
UNION SELECT record_id, line_key FROM pp_pairs
WHERE NOT $all AND (record_id IN (SELECT id FROM pp_scope_records)
                    OR line_key IN (SELECT line_key FROM pp_scope_line_keys));

CREATE OR REPLACE TEMP TABLE pp_paired_records AS
SELECT id FROM pp_scope_records WHERE NOT $all
UNION SELECT record_id FROM pp_touched_pairs;

CREATE OR REPLACE TEMP TABLE pp_paired_lines AS
SELECT line_key FROM pp_scope_line_keys WHERE NOT $all
UNION SELECT line_key FROM pp_touched_pairs;

-- An ambiguity is a candidate whose record and line are both unpaired: it changes with either.
CREATE OR REPLACE TEMP TABLE pp_ambiguous_before AS
SELECT record_id, line_key FROM pp_ambiguous
WHERE NOT $all AND (record_id IN (SELECT id FROM pp_paired_records)
                    OR line_key IN (SELECT line_key FROM pp_paired_lines));

DELETE FROM pp_ambiguous
WHERE $all OR record_id IN (SELECT id FROM pp_paired_records) OR line_key IN (SELECT line_key FROM pp_paired_lines);

INSERT INTO pp_ambiguous BY NAME
SELECT c.record_id, c.line_key, c.day_gap
FROM pp_candidates c
WHERE ($all OR c.record_id IN (SELECT id FROM pp_paired_records)
            OR c.line_key IN (SELECT line_key FROM pp_paired_lines))
  AND c.record_id NOT IN (SELECT record_id FROM pp_pairs)
  AND c.line_key NOT IN (SELECT line_key FROM pp_pairs);

DELETE FROM pp_declared_records;

INSERT INTO pp_declared_records BY NAME
SELECT el.record_id, e.kind, max(e.id) AS export_id, max(e.created_at) AS declared_at
FROM export_lines el
JOIN exports e ON e.id = el.export_id
WHERE e.status = 'deposited'
GROUP BY el.record_id, e.kind;
