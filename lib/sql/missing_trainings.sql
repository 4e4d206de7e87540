-- Every employee present at $today × each training their employer requires of them (lib/requirements.py: the
-- most specific requirement per family and title words; collective shares are in requirement_shares.sql), with
-- the best training they hold of that family and its state at $today (horizon $horizon days):
-- never_trained (« jamais formé »), expired, expiring_soon, valid (no validity end: valid).
-- Who is required what, and the best training held, are persisted (lib/sql/derive_requirements.sql); here only
-- what depends on today: presence, and the best among the trainings ended by $today when one ends after it.
WITH later AS (
    SELECT
        h.matricule, h.requirement_id,
        arg_max_null(h.training_title, (coalesce(h.validity_end, DATE '9999-12-31'), h.end_date, h.training_title))
            AS last_training,
        arg_max_null(h.end_date, (coalesce(h.validity_end, DATE '9999-12-31'), h.end_date, h.training_title))
            AS last_end_date,
        arg_max_null(h.validity_end, (coalesce(h.validity_end, DATE '9999-12-31'), h.end_date, h.training_title))
            AS validity_end
    FROM pp_requirement_held h
    JOIN (SELECT matricule, requirement_id FROM pp_requirement_people WHERE chosen AND held_until > $today) f
      ON f.matricule = h.matricule AND f.requirement_id = h.requirement_id
    WHERE h.end_date <= $today
    GROUP BY h.matricule, h.requirement_id
),
s AS (
    SELECT
        p.matricule, p.person_birth_name, p.person_usage_name, p.person_first_name, p.person_site,
        p.person_service, p.job, p.manager, p.requirement_id, p.family, p.title_words, p.scope,
        CASE WHEN p.held_until > $today THEN l.last_training ELSE p.best_training END AS last_training,
        CASE WHEN p.held_until > $today THEN l.last_end_date ELSE p.best_end_date END AS last_end_date,
        CASE WHEN p.held_until > $today THEN l.validity_end ELSE p.best_validity_end END AS validity_end,
        p.search_text
    FROM pp_requirement_people p
    LEFT JOIN later l ON l.matricule = p.matricule AND l.requirement_id = p.requirement_id
    WHERE p.chosen AND (p.exit_date IS NULL OR p.exit_date >= $today)
),
t AS (
    SELECT
        s.*,
        CASE
            WHEN s.last_end_date IS NULL THEN 'never_trained'
            WHEN s.validity_end IS NULL THEN 'valid'
            WHEN s.validity_end < $today THEN 'expired'
            WHEN s.validity_end - $today <= $horizon THEN 'expiring_soon'
            ELSE 'valid'
        END AS status
    FROM s
)
SELECT
    t.* EXCLUDE (search_text),
    CASE t.status
        WHEN 'never_trained' THEN 'jamais formé'
        WHEN 'expired' THEN 'expirée depuis le ' || strftime(t.validity_end, '%d/%m/%Y')
        WHEN 'expiring_soon' THEN 'expire le ' || strftime(t.validity_end, '%d/%m/%Y')
        WHEN 'valid' THEN 'valide'
    END AS status_label,
    t.status IN ('valid', 'expiring_soon') AS compliant,
    CASE t.status WHEN 'never_trained' THEN 0 WHEN 'expired' THEN 1 WHEN 'expiring_soon' THEN 2 ELSE 3 END
        AS status_rank,
    date_diff('day', $today, t.validity_end) AS days_left,
    t.search_text
FROM t
ORDER BY status_rank, t.validity_end NULLS LAST, t.person_birth_name, t.matricule, t.family
