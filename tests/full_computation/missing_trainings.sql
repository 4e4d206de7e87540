-- Every employee present at $today × each training their employer requires of them (lib/requirements.py:
-- the most specific requirement per family and title words; collective shares are in requirement_shares.sql),
-- with the best training they hold of that family and its state at $today (horizon $horizon days):
-- never_trained (« jamais formé »), expired, expiring_soon, valid (no validity end: valid).
WITH people AS (
    SELECT
        e.matricule, e.nir, e.birth_name AS person_birth_name, e.usage_name AS person_usage_name,
        e.first_name AS person_first_name, coalesce(e.site, est.site) AS person_site, e.service AS person_service,
        e.job, e.manager
    FROM employees e
    LEFT JOIN establishments est ON est.siret = e.establishment_siret
    WHERE e.exit_date IS NULL OR e.exit_date >= $today
),
applies AS (
    SELECT
        p.*,
        q.id AS requirement_id,
        q.family,
        q.title_words,
        coalesce(nullif(concat_ws(' · ', 'Poste : ' || q.job, 'Service : ' || q.service, 'Site : ' || q.site), ''),
            'Tout le personnel') AS scope
    FROM people p
    JOIN requirements q
      ON (q.job IS NULL OR q.job = p.job)
     AND (q.service IS NULL OR q.service = p.person_service)
     AND (q.site IS NULL OR q.site = p.person_site)
    WHERE q.min_share IS NULL
    QUALIFY row_number() OVER (
        PARTITION BY p.matricule, q.family, coalesce(q.title_words, '')
        ORDER BY (q.job IS NOT NULL)::INTEGER * 4 + (q.service IS NOT NULL)::INTEGER * 2
                 + (q.site IS NOT NULL)::INTEGER DESC, q.id
    ) = 1
),
held AS (
    -- The validity list's persisted rows (lib/sql/derive_lists.sql): the record's validity end, else the OF's.
    SELECT
        r.matricule, r.training_family, r.title_norm, r.training_title, r.end_date,
        r.effective_validity_end AS validity_end
    FROM pp_list_validities r
    WHERE r.matricule IS NOT NULL AND r.training_family IS NOT NULL AND r.end_date <= $today
),
best AS (
    -- The training that keeps the requirement valid longest (no validity end: for good), then the latest.
    -- arg_max_null: arg_max skips a NULL value, and gave the validity end of another training than the best.
    SELECT
        a.matricule, a.requirement_id,
        arg_max_null(h.training_title, (coalesce(h.validity_end, DATE '9999-12-31'), h.end_date)) AS last_training,
        arg_max_null(h.end_date, (coalesce(h.validity_end, DATE '9999-12-31'), h.end_date)) AS last_end_date,
        arg_max_null(h.validity_end, (coalesce(h.validity_end, DATE '9999-12-31'), h.end_date)) AS validity_end
    FROM applies a
    JOIN held h
      ON h.matricule = a.matricule AND h.training_family = a.family
     AND (a.title_words IS NULL OR list_has_all(string_split(h.title_norm, ' '), string_split(a.title_words, ' ')))
    GROUP BY a.matricule, a.requirement_id
),
s AS (
    SELECT
        a.* EXCLUDE (nir),
        b.last_training,
        b.last_end_date,
        b.validity_end,
        CASE
            WHEN b.last_end_date IS NULL THEN 'never_trained'
            WHEN b.validity_end IS NULL THEN 'valid'
            WHEN b.validity_end < $today THEN 'expired'
            WHEN b.validity_end - $today <= $horizon THEN 'expiring_soon'
            ELSE 'valid'
        END AS status
    FROM applies a
    LEFT JOIN best b USING (matricule, requirement_id)
)
SELECT
    s.*,
    CASE s.status
        WHEN 'never_trained' THEN 'jamais formé'
        WHEN 'expired' THEN 'expirée depuis le ' || strftime(s.validity_end, '%d/%m/%Y')
        WHEN 'expiring_soon' THEN 'expire le ' || strftime(s.validity_end, '%d/%m/%Y')
        WHEN 'valid' THEN 'valide'
    END AS status_label,
    s.status IN ('valid', 'expiring_soon') AS compliant,
    CASE s.status WHEN 'never_trained' THEN 0 WHEN 'expired' THEN 1 WHEN 'expiring_soon' THEN 2 ELSE 3 END
        AS status_rank,
    date_diff('day', $today, s.validity_end) AS days_left
FROM s
ORDER BY status_rank, s.validity_end NULLS LAST, s.person_birth_name, s.matricule, s.family
