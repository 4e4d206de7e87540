-- Who each requirement applies to (lib/requirements.py: job, service, site, most specific wins) and the trainings
-- they hold that meet it: the tables of lib/sql/migrations/008_requirements_derived.sql. The one writing of the
-- requirement matching; lib/sql/missing_trainings.sql and requirement_shares.sql only add what depends on today.
-- Run by lib/store/derived.py right after derive_lists.sql (same transaction, same scope: $all, or the people of
-- the TEMP table pp_scope_nirs), by compute_workflow into TEMP tables, and by lib/store/requirements.py when the
-- requirements are replaced ($all, these two tables only). The search text comes from the TEMP macro
-- pp_search_missing_trainings (lib/store/requirement_tables.py, after lib/lists.py search_text_sql).

-- The employees whose rows change: every one, or the scope's people (their NIR now, their records' NIR, and the
-- NIR their rows were computed with).
CREATE OR REPLACE TEMP TABLE pp_requirement_scope AS
SELECT matricule FROM employees WHERE $all OR nir IN (SELECT nir FROM pp_scope_nirs)
UNION
SELECT matricule FROM pp_list_validities
WHERE NOT $all AND matricule IS NOT NULL AND person_nir IN (SELECT nir FROM pp_scope_nirs)
UNION
SELECT matricule FROM pp_requirement_held WHERE NOT $all AND person_nir IN (SELECT nir FROM pp_scope_nirs)
UNION
-- The people of the validity rows derive_lists.sql just rewrote (an OF import moves the OF's validity end of the
-- records it pairs without any person in pp_scope_nirs: lib/sql/derive_list_scope.sql).
SELECT matricule FROM pp_list_validities
WHERE NOT $all AND matricule IS NOT NULL AND id IN (SELECT id FROM pp_list_scope_records);

-- Every (employee, requirement) that applies, present or not; `chosen`: the most specific requirement of each
-- family and title words among those that are not a collective share (« at least 10 % of each site »).
CREATE OR REPLACE TEMP TABLE pp_requirement_applies AS
SELECT
    e.matricule,
    e.nir AS person_nir,
    e.birth_name AS person_birth_name,
    e.usage_name AS person_usage_name,
    e.first_name AS person_first_name,
    coalesce(e.site, est.site) AS person_site,
    e.service AS person_service,
    e.job,
    e.manager,
    e.exit_date,
    q.id AS requirement_id,
    q.family,
    q.title_words,
    q.min_share,
    coalesce(nullif(concat_ws(' · ', 'Poste : ' || q.job, 'Service : ' || q.service, 'Site : ' || q.site), ''),
        'Tout le personnel') AS scope,
    q.min_share IS NULL AND row_number() OVER (
        PARTITION BY e.matricule, q.min_share IS NULL, q.family, coalesce(q.title_words, '')
        ORDER BY (q.job IS NOT NULL)::INTEGER * 4 + (q.service IS NOT NULL)::INTEGER * 2
                 + (q.site IS NOT NULL)::INTEGER DESC, q.id
    ) = 1 AS chosen
FROM employees e
LEFT JOIN establishments est ON est.siret = e.establishment_siret
JOIN requirements q
  ON (q.job IS NULL OR q.job = e.job)
 AND (q.service IS NULL OR q.service = e.service)
 AND (q.site IS NULL OR q.site = coalesce(e.site, est.site))
WHERE $all OR e.matricule IN (SELECT matricule FROM pp_requirement_scope);

-- The trainings of the validity list's persisted rows (lib/sql/derive_lists.sql) of the requirement's family
-- whose title has the requirement's words: the record's validity end, else the OF's. A training without an end
-- date never counts.
DELETE FROM pp_requirement_held WHERE $all OR matricule IN (SELECT matricule FROM pp_requirement_scope);

INSERT INTO pp_requirement_held BY NAME
SELECT
    a.matricule,
    a.requirement_id,
    r.person_nir,
    r.training_title,
    r.end_date,
    r.effective_validity_end AS validity_end
FROM pp_requirement_applies a
JOIN pp_list_validities r
  ON r.matricule = a.matricule AND r.training_family = a.family AND r.end_date IS NOT NULL
 AND (a.title_words IS NULL OR list_has_all(string_split(r.title_norm, ' '), string_split(a.title_words, ' ')))
ORDER BY a.matricule, a.requirement_id;

-- Each (employee, requirement) with the best training held of all (the one that keeps the requirement valid
-- longest — no validity end: for good —, then the latest, then by title) and the latest end date of them: on a
-- day no held training ends after, the best at that day (the read queries recompute the others, few).
-- arg_max_null: a training valid for good has no validity end, and arg_max would skip it for another's.
DELETE FROM pp_requirement_people WHERE $all OR matricule IN (SELECT matricule FROM pp_requirement_scope);

INSERT INTO pp_requirement_people BY NAME
SELECT
    a.*, b.best_training, b.best_end_date, b.best_validity_end, b.held_until,
    pp_search_missing_trainings(a.person_birth_name, a.person_usage_name, a.person_first_name, a.matricule)
        AS search_text
FROM pp_requirement_applies a
LEFT JOIN (
    SELECT
        matricule,
        requirement_id,
        arg_max_null(training_title, (coalesce(validity_end, DATE '9999-12-31'), end_date, training_title))
            AS best_training,
        arg_max_null(end_date, (coalesce(validity_end, DATE '9999-12-31'), end_date, training_title)) AS best_end_date,
        arg_max_null(validity_end, (coalesce(validity_end, DATE '9999-12-31'), end_date, training_title))
            AS best_validity_end,
        max(end_date) AS held_until
    FROM pp_requirement_held
    WHERE $all OR matricule IN (SELECT matricule FROM pp_requirement_scope)
    GROUP BY matricule, requirement_id
) b USING (matricule, requirement_id)
ORDER BY a.person_birth_name, a.matricule, a.family;

DROP TABLE temp.pp_requirement_applies;

DROP TABLE temp.pp_requirement_scope;
