-- Connection-local working tables behind every workflow screen: deadlines per record and per OF line,
-- the effective verification action, the reconciliation of expected trainings with OF declarations.
-- Needs the pp_* macros of the active rule set and the temp tables pp_title_keys(title, norm, training_key)
-- and pp_last_actions (lib/sql/last_decisions.sql).

CREATE OR REPLACE TEMP TABLE pp_employer_sirets AS
SELECT siret FROM establishments
UNION
SELECT DISTINCT establishment_siret FROM employees WHERE establishment_siret IS NOT NULL;

CREATE OR REPLACE TEMP TABLE pp_records AS
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

CREATE OR REPLACE TEMP TABLE pp_lines AS
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
)
SELECT
    b.*,
    pp_of_deadline(b.r) AS of_deadline,
    pp_verification_deadline(b.r) AS verification_deadline,
    pp_deemed_verified_on(b.r) AS deemed_verified_on,
    pp_extension_applied(b.r) AS extension_applied,
    b.first_received_on > pp_of_deadline(b.r) AS declared_late,
    la.action AS last_action,
    la.reason AS last_reason,
    la.who AS last_action_by,
    la.acted_at AS last_action_at,
    la.decided_on AS last_decided_on,
    coalesce(la.correction_answered, false) AS correction_answered
FROM base b
LEFT JOIN pp_last_actions la ON la.line_key = b.line_key;

CREATE OR REPLACE TEMP TABLE pp_candidates AS
SELECT
    r.id AS record_id,
    l.line_key,
    abs(date_diff('day', r.end_date, coalesce(l.date_fin_formation, l.date_debut_validite))) AS day_gap
FROM pp_records r
JOIN pp_lines l ON l.nir = r.person_nir
WHERE NOT r.is_internal
  AND (r.title_norm = l.title_norm OR (r.training_key IS NOT NULL AND r.training_key = l.training_key))
  AND abs(date_diff('day', r.end_date, coalesce(l.date_fin_formation, l.date_debut_validite))) <= $tolerance;

CREATE OR REPLACE TEMP TABLE pp_matches AS
WITH manual AS (
    SELECT record_id, organisme || '|' || id_unique_partenaire AS line_key FROM manual_pairings
),
open_candidates AS (
    SELECT * FROM pp_candidates
    WHERE record_id NOT IN (SELECT record_id FROM manual)
      AND line_key NOT IN (SELECT line_key FROM manual)
),
unique_pairs AS (
    SELECT record_id, line_key FROM open_candidates
    QUALIFY count(*) OVER (PARTITION BY record_id) = 1 AND count(*) OVER (PARTITION BY line_key) = 1
)
SELECT record_id, line_key, 'manuel' AS how FROM manual
UNION ALL
SELECT record_id, line_key, 'automatique' AS how FROM unique_pairs;

CREATE OR REPLACE TEMP TABLE pp_ambiguous AS
SELECT c.record_id, c.line_key, c.day_gap
FROM pp_candidates c
WHERE c.record_id NOT IN (SELECT record_id FROM pp_matches)
  AND c.line_key NOT IN (SELECT line_key FROM pp_matches);

CREATE OR REPLACE TEMP TABLE pp_pairs AS
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
FROM pp_matches m
JOIN pp_records r ON r.id = m.record_id
JOIN pp_lines l ON l.line_key = m.line_key;

CREATE OR REPLACE TEMP TABLE pp_declared_records AS
SELECT el.record_id, e.kind, max(e.id) AS export_id, max(e.created_at) AS declared_at
FROM export_lines el
JOIN exports e ON e.id = el.export_id
WHERE e.status = 'deposited'
GROUP BY el.record_id, e.kind;
