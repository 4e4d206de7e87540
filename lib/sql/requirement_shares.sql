-- The collective requirements (« at least 10 % of each site hold the SST »): per requirement and per site of the
-- people it applies to (present at $today), how many hold a training of the family valid at $today.
-- Who each requirement applies to, and the best training held, are persisted (lib/sql/derive_requirements.sql):
-- someone holds a valid training at $today when the best of those ended by then is valid at $today (recomputed
-- here only for those holding a training that ends after $today).
WITH later AS (
    SELECT
        h.matricule, h.requirement_id,
        arg_max_null(h.end_date, (coalesce(h.validity_end, DATE '9999-12-31'), h.end_date, h.training_title))
            AS last_end_date,
        arg_max_null(h.validity_end, (coalesce(h.validity_end, DATE '9999-12-31'), h.end_date, h.training_title))
            AS validity_end
    FROM pp_requirement_held h
    JOIN (
        SELECT matricule, requirement_id FROM pp_requirement_people
        WHERE min_share IS NOT NULL AND held_until > $today
    ) f ON f.matricule = h.matricule AND f.requirement_id = h.requirement_id
    WHERE h.end_date <= $today
    GROUP BY h.matricule, h.requirement_id
),
scoped AS (
    SELECT
        p.requirement_id, p.family, p.title_words, p.scope, p.person_site, p.min_share,
        CASE WHEN p.held_until > $today THEN l.last_end_date ELSE p.best_end_date END AS last_end_date,
        CASE WHEN p.held_until > $today THEN l.validity_end ELSE p.best_validity_end END AS validity_end
    FROM pp_requirement_people p
    LEFT JOIN later l ON l.matricule = p.matricule AND l.requirement_id = p.requirement_id
    WHERE p.min_share IS NOT NULL AND (p.exit_date IS NULL OR p.exit_date >= $today)
),
counted AS (
    SELECT
        requirement_id, family, title_words, scope, person_site, min_share,
        count(*) AS staff,
        count(*) FILTER (
            WHERE last_end_date IS NOT NULL AND coalesce(validity_end, DATE '9999-12-31') >= $today
        ) AS trained
    FROM scoped
    GROUP BY requirement_id, family, title_words, scope, person_site, min_share
)
SELECT *, trained / staff AS share, trained / staff >= min_share AS met
FROM counted
ORDER BY family, scope, person_site NULLS LAST
