-- Trainings the employer bought from an OF (internal records, not delivered in-house), reconciled with
-- the OF declarations, with the carence window and the status at $today: the persisted columns
-- (pp_list_expected, lib/sql/derive_lists.sql) with the matched line's last decision (pp_last_actions).
WITH x AS (
    SELECT
        t.* EXCLUDE (employer_scope_from, reconciliation, search_text),
        -- The correction path: the matched OF line's last decision asks a correction (lib/statuses.py).
        CASE WHEN la.action = 'correction_requested' THEN la.decided_on END AS correction_requested_on,
        CASE WHEN la.action = 'correction_requested' THEN la.reason END AS correction_reason,
        coalesce(la.correction_answered, false) AS correction_answered,
        t.employer_scope_from,
        t.reconciliation,
        t.search_text
    FROM pp_list_expected t
    LEFT JOIN pp_last_actions la ON la.line_key = t.line_key
),
s AS (
    SELECT
        x.* EXCLUDE (reconciliation, search_text),
        pp_expected_status(x.of_deadline, x.of_mandatory, x.carence_opens_on, x.carence_deadline,
                           x.declared_by_of, x.declared_in_carence, x.employer_scope_from,
                           x.correction_requested_on, x.correction_answered, $today) AS status,
        pp_expected_label(x.of_deadline, x.of_mandatory, x.carence_opens_on, x.carence_deadline,
                          x.declared_by_of, x.declared_in_carence, x.employer_scope_from,
                          x.correction_requested_on, x.correction_answered, $today) AS status_label,
        pp_expected_due(x.of_deadline, x.of_mandatory, x.carence_opens_on, x.carence_deadline,
                        x.declared_by_of, x.declared_in_carence, x.employer_scope_from,
                        x.correction_requested_on, x.correction_answered, $today) AS due_on,
        x.reconciliation,
        x.search_text
    FROM x
)
SELECT
    s.* EXCLUDE (reconciliation, search_text),
    date_diff('day', $today, s.due_on) AS days_left,
    s.reconciliation,
    -- Declared by the OF and in carence, unless the carence answered a correction the OF did not make.
    s.declared_by_of AND s.declared_in_carence AND s.status <> 'declared_in_carence' AS double_declaration,
    s.search_text
FROM s
ORDER BY due_on NULLS LAST, s.person_birth_name, s.id
