-- Per training provider: declarations on time, late, missing, with discrepancies, corrections asked and
-- answered — what a purchasing department needs. Missing = trainings bought from it whose carence is open
-- or was declared by the employer.
WITH flagged AS (
    -- The lines whose pairing found discrepancies (few): counted apart, so the million lines are not joined.
    SELECT DISTINCT line_key FROM pp_pairs WHERE discrepancies <> ''
),
discrepant AS (
    SELECT f.organisme, count(*) AS with_discrepancies
    FROM pp_line_facts f
    SEMI JOIN flagged d ON d.line_key = f.line_key
    GROUP BY f.organisme
),
lines AS (
    SELECT
        l.organisme,
        count(*) AS declarations,
        count(*) FILTER (l.concerned) AS for_employer,
        count(*) FILTER (NOT coalesce(l.declared_late, false)) AS on_time,
        count(*) FILTER (coalesce(l.declared_late, false)) AS late,
        count(*) FILTER (l.last_action = 'correction_requested') AS corrections_requested,
        count(*) FILTER (l.correction_answered) AS corrections_answered,
        min(l.first_received_on) AS first_received_on,
        max(l.last_received_on) AS last_received_on
    FROM pp_lines l
    GROUP BY l.organisme
),
bought AS (
    SELECT r.organisme, count(*) AS bought
    FROM pp_records r
    WHERE NOT r.is_internal AND r.organisme IS NOT NULL
    GROUP BY r.organisme
),
overdue AS (
    -- The trainings bought whose OF deadline passed without a declaration paired to them.
    SELECT r.organisme, count(*) AS missing
    FROM pp_records r
    ANTI JOIN pp_pairs p ON p.record_id = r.id
    WHERE NOT r.is_internal AND r.organisme IS NOT NULL AND r.of_mandatory AND $today > r.of_deadline
    GROUP BY r.organisme
),
missing AS (
    SELECT b.organisme, b.bought, coalesce(o.missing, 0) AS missing
    FROM bought b
    LEFT JOIN overdue o USING (organisme)
)
SELECT
    coalesce(l.organisme, m.organisme) AS organisme,
    o.siret,
    coalesce(l.declarations, 0) AS declarations,
    coalesce(l.for_employer, 0) AS for_employer,
    coalesce(l.on_time, 0) AS on_time,
    coalesce(l.late, 0) AS late,
    coalesce(m.missing, 0) AS missing,
    coalesce(d.with_discrepancies, 0) AS with_discrepancies,
    coalesce(l.corrections_requested, 0) AS corrections_requested,
    coalesce(l.corrections_answered, 0) AS corrections_answered,
    coalesce(m.bought, 0) AS bought,
    CASE WHEN coalesce(l.declarations, 0) + coalesce(m.missing, 0) = 0 THEN NULL
         ELSE round(100.0 * coalesce(l.on_time, 0) / (coalesce(l.declarations, 0) + coalesce(m.missing, 0)), 1)
    END AS reliability_pct,
    l.last_received_on
FROM lines l
FULL OUTER JOIN missing m ON m.organisme = l.organisme
LEFT JOIN discrepant d ON d.organisme = l.organisme
LEFT JOIN organismes o ON o.name = coalesce(l.organisme, m.organisme)
ORDER BY reliability_pct NULLS LAST, organisme
