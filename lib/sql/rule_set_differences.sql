-- The lines of the three lists that the choice between two rule sets changes: another status, another due
-- date, or other dates while the line is still open on either side (a line closed under both, e.g. verified,
-- declared or not mandatory, is left out: its dates no longer matter).
-- Needs the temp tables pp_cmp_{a,b}_{of_declarations,expected_trainings,internal_trainings}: the list
-- queries run once under each rule set (Store.rule_set_differences). One row per differing line:
-- the list, the line's key, the person (full NIR: the caller masks it), the training, and per rule set
-- its dates in French words and its status.
WITH verification AS (
    SELECT
        'verification' AS list,
        a.line_key AS key,
        a.nir,
        a.nom_titulaire AS person,
        a.title,
        a.r AS reference_date,
        'vérification jusqu''au ' || strftime(a.verification_deadline, '%d/%m/%Y') AS dates_a,
        'vérification jusqu''au ' || strftime(b.verification_deadline, '%d/%m/%Y') AS dates_b,
        a.status_label AS status_a,
        b.status_label AS status_b
    FROM pp_cmp_a_of_declarations a
    JOIN pp_cmp_b_of_declarations b USING (line_key)
    WHERE a.concerned
      AND (a.status IS DISTINCT FROM b.status OR a.due_on IS DISTINCT FROM b.due_on
           OR ((a.due_on IS NOT NULL OR b.due_on IS NOT NULL)
               AND a.verification_deadline IS DISTINCT FROM b.verification_deadline))
),
carence AS (
    SELECT
        'carence' AS list,
        CAST(a.id AS VARCHAR) AS key,
        a.person_nir AS nir,
        concat_ws(' ', upper(a.person_birth_name), a.person_first_name) AS person,
        a.training_title AS title,
        a.r AS reference_date,
        CASE WHEN a.carence_opens_on IS NULL
             THEN 'OF jusqu''au ' || strftime(a.of_deadline, '%d/%m/%Y') || ' ; pas de carence (non obligatoire)'
             ELSE 'OF jusqu''au ' || strftime(a.of_deadline, '%d/%m/%Y') || ' ; carence du '
                  || strftime(a.carence_opens_on, '%d/%m/%Y') || ' au ' || strftime(a.carence_deadline, '%d/%m/%Y')
        END AS dates_a,
        CASE WHEN b.carence_opens_on IS NULL
             THEN 'OF jusqu''au ' || strftime(b.of_deadline, '%d/%m/%Y') || ' ; pas de carence (non obligatoire)'
             ELSE 'OF jusqu''au ' || strftime(b.of_deadline, '%d/%m/%Y') || ' ; carence du '
                  || strftime(b.carence_opens_on, '%d/%m/%Y') || ' au ' || strftime(b.carence_deadline, '%d/%m/%Y')
        END AS dates_b,
        a.status_label AS status_a,
        b.status_label AS status_b
    FROM pp_cmp_a_expected_trainings a
    JOIN pp_cmp_b_expected_trainings b USING (id)
    WHERE a.status IS DISTINCT FROM b.status OR a.due_on IS DISTINCT FROM b.due_on
       OR ((a.due_on IS NOT NULL OR b.due_on IS NOT NULL)
           AND (a.of_deadline IS DISTINCT FROM b.of_deadline
                OR a.carence_opens_on IS DISTINCT FROM b.carence_opens_on
                OR a.carence_deadline IS DISTINCT FROM b.carence_deadline))
),
internal AS (
    SELECT
        'internal' AS list,
        CAST(a.id AS VARCHAR) AS key,
        a.person_nir AS nir,
        concat_ws(' ', upper(a.person_birth_name), a.person_first_name) AS person,
        a.training_title AS title,
        a.r AS reference_date,
        CASE WHEN a.internal_mandatory THEN 'à déclarer au plus tard le ' ELSE 'non obligatoire (échéance ' END
            || strftime(a.internal_deadline, '%d/%m/%Y') || CASE WHEN a.internal_mandatory THEN '' ELSE ')' END
            AS dates_a,
        CASE WHEN b.internal_mandatory THEN 'à déclarer au plus tard le ' ELSE 'non obligatoire (échéance ' END
            || strftime(b.internal_deadline, '%d/%m/%Y') || CASE WHEN b.internal_mandatory THEN '' ELSE ')' END
            AS dates_b,
        a.status_label AS status_a,
        b.status_label AS status_b
    FROM pp_cmp_a_internal_trainings a
    JOIN pp_cmp_b_internal_trainings b USING (id)
    WHERE a.status IS DISTINCT FROM b.status OR a.due_on IS DISTINCT FROM b.due_on
       OR ((a.due_on IS NOT NULL OR b.due_on IS NOT NULL) AND a.internal_deadline IS DISTINCT FROM b.internal_deadline)
)
SELECT * FROM verification
UNION ALL
SELECT * FROM carence
UNION ALL
SELECT * FROM internal
ORDER BY list, reference_date, person, key
