-- The collective requirements (« at least 10 % of each site hold the SST »): per requirement and per site of the
-- people it applies to (present at $today), how many hold a training of the family valid at $today.
WITH people AS (
    SELECT e.matricule, coalesce(e.site, est.site) AS person_site, e.service AS person_service, e.job
    FROM employees e
    LEFT JOIN establishments est ON est.siret = e.establishment_siret
    WHERE e.exit_date IS NULL OR e.exit_date >= $today
),
scoped AS (
    SELECT p.*, q.id AS requirement_id, q.family, q.title_words, q.min_share,
        coalesce(nullif(concat_ws(' · ', 'Poste : ' || q.job, 'Service : ' || q.service, 'Site : ' || q.site), ''),
            'Tout le personnel') AS scope
    FROM people p
    JOIN requirements q
      ON (q.job IS NULL OR q.job = p.job)
     AND (q.service IS NULL OR q.service = p.person_service)
     AND (q.site IS NULL OR q.site = p.person_site)
    WHERE q.min_share IS NOT NULL
),
valid AS (
    SELECT DISTINCT s.requirement_id, s.matricule
    FROM scoped s
    -- The validity list's persisted rows (lib/sql/derive_lists.sql): the record's validity end, else the OF's.
    JOIN pp_list_validities r ON r.matricule = s.matricule AND r.training_family = s.family
    WHERE r.end_date <= $today
      AND coalesce(r.effective_validity_end, DATE '9999-12-31') >= $today
      AND (s.title_words IS NULL OR list_has_all(string_split(r.title_norm, ' '), string_split(s.title_words, ' ')))
),
counted AS (
    SELECT
        s.requirement_id, s.family, s.title_words, s.scope, s.person_site, s.min_share,
        count(*) AS staff,
        count(v.matricule) AS trained
    FROM scoped s
    LEFT JOIN valid v USING (requirement_id, matricule)
    GROUP BY s.requirement_id, s.family, s.title_words, s.scope, s.person_site, s.min_share
)
SELECT *, trained / staff AS share, trained / staff >= min_share AS met
FROM counted
ORDER BY family, scope, person_site NULLS LAST
