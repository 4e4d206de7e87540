-- Trainings the employer delivered itself, with the internal declaration deadline and status at $today.
WITH x AS (
    SELECT
        r.*,
        dr.record_id IS NOT NULL AS declared,
        dr.export_id AS internal_export_id,
        pp_internal_status(r.internal_deadline, r.internal_mandatory, dr.record_id IS NOT NULL, $today) AS status
    FROM pp_records r
    LEFT JOIN pp_declared_records dr ON dr.record_id = r.id AND dr.kind = 'internal'
    WHERE r.is_internal
)
SELECT
    x.*,
    pp_status_label(x.status) AS status_label,
    pp_internal_due(x.internal_deadline, x.internal_mandatory, x.declared, $today) AS due_on,
    date_diff('day', $today, pp_internal_due(x.internal_deadline, x.internal_mandatory, x.declared, $today)) AS days_left
FROM x
ORDER BY due_on NULLS LAST, x.person_birth_name, x.id
