-- Trainings the employer delivered itself, with the internal declaration deadline and status at $today: the
-- persisted columns (pp_list_internal, lib/sql/derive_lists.sql) and the status macros.
SELECT
    t.* EXCLUDE (search_text),
    pp_internal_status(t.internal_deadline, t.internal_mandatory, t.declared, $today) AS status,
    pp_status_label(pp_internal_status(t.internal_deadline, t.internal_mandatory, t.declared, $today))
        AS status_label,
    pp_internal_due(t.internal_deadline, t.internal_mandatory, t.declared, $today) AS due_on,
    date_diff('day', $today, pp_internal_due(t.internal_deadline, t.internal_mandatory, t.declared, $today))
        AS days_left,
    t.search_text
FROM pp_list_internal t
ORDER BY due_on NULLS LAST, t.person_birth_name, t.id
