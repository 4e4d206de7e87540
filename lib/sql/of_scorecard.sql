-- Per training provider: declarations on time, late, missing, with discrepancies, corrections asked and
-- answered — what a purchasing department needs. Missing = trainings bought from it whose carence is open
-- or was declared by the employer.
WITH lines AS (
    SELECT
        l.organisme,
        count(*) AS declarations,
        count(*) FILTER (l.concerned) AS for_employer,
        count(*) FILTER (NOT coalesce(l.declared_late, false)) AS on_time,
        count(*) FILTER (coalesce(l.declared_late, false)) AS late,
        count(*) FILTER (p.discrepancies <> '') AS with_discrepancies,
        count(*) FILTER (l.last_action = 'correction_requested') AS corrections_requested,
        count(*) FILTER (l.correction_answered) AS corrections_answered,
        min(l.first_received_on) AS first_received_on,
        max(l.last_received_on) AS last_received_on
    FROM pp_lines l
    LEFT JOIN pp_pairs p USING (line_key)
    GROUP BY l.organisme
),
missing AS (
    SELECT
        r.organisme,
        count(*) AS bought,
        count(*) FILTER (
            p.record_id IS NULL AND r.of_mandatory AND $today > r.of_deadline
        ) AS missing
    FROM pp_records r
    LEFT JOIN pp_pairs p ON p.record_id = r.id
    WHERE NOT r.is_internal AND r.organisme IS NOT NULL
    GROUP BY r.organisme
)
SELECT
    coalesce(l.organisme, m.organisme) AS organisme,
    o.siret,
    coalesce(l.declarations, 0) AS declarations,
    coalesce(l.for_employer, 0) AS for_employer,
    coalesce(l.on_time, 0) AS on_time,
    coalesce(l.late, 0) AS late,
    coalesce(m.missing, 0) AS missing,
    coalesce(l.with_discrepancies, 0) AS with_discrepancies,
    coalesce(l.corrections_requested, 0) AS corrections_requested,
    coalesce(l.corrections_answered, 0) AS corrections_answered,
    coalesce(m.bought, 0) AS bought,
    CASE WHEN coalesce(l.declarations, 0) + coalesce(m.missing, 0) = 0 THEN NULL
         ELSE round(100.0 * coalesce(l.on_time, 0) / (coalesce(l.declarations, 0) + coalesce(m.missing, 0)), 1)
    END AS reliability_pct,
    l.last_received_on
FROM lines l
FULL OUTER JOIN missing m ON m.organisme = l.organisme
LEFT JOIN organismes o ON o.name = coalesce(l.organisme, m.organisme)
ORDER BY reliability_pct NULLS LAST, organisme
