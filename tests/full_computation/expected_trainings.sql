-- Trainings the employer bought from an OF (internal records, not delivered in-house), reconciled with
-- the OF declarations, with the carence window and the status at $today.
WITH x AS (
    SELECT
        r.*,
        p.line_key,
        p.how AS paired_how,
        coalesce(p.discrepancies, '') AS discrepancies,
        coalesce(p.discrepancy_details, '') AS discrepancy_details,
        l.organisme AS declared_by,
        l.first_received_on AS declared_on,
        l.declared_late,
        l.id_unique_partenaire AS of_partner_id,
        p.record_id IS NOT NULL AS declared_by_of,
        dr.record_id IS NOT NULL AS declared_in_carence,
        dr.export_id AS carence_export_id,
        r.id IN (SELECT record_id FROM pp_ambiguous) AS ambiguous,
        -- The correction path: the matched OF line's last decision asks a correction (lib/statuses.py).
        CASE WHEN l.last_action = 'correction_requested' THEN l.last_decided_on END
            AS correction_requested_on,
        CASE WHEN l.last_action = 'correction_requested' THEN l.last_reason END AS correction_reason,
        coalesce(l.correction_answered, false) AS correction_answered,
        -- A carence is the employer's declaration: its scope applies (categories 3–4 from its full-scope date).
        pp_employer_scope_from(r.r, r.category) AS employer_scope_from
    FROM pp_records r
    LEFT JOIN pp_pairs p ON p.record_id = r.id
    LEFT JOIN pp_lines l ON l.line_key = p.line_key
    LEFT JOIN pp_declared_records dr ON dr.record_id = r.id AND dr.kind = 'carence'
    WHERE NOT r.is_internal
),
s AS (
    SELECT
        x.*,
        pp_expected_status(x.of_deadline, x.of_mandatory, x.carence_opens_on, x.carence_deadline,
                           x.declared_by_of, x.declared_in_carence, x.employer_scope_from,
                           x.correction_requested_on, x.correction_answered, $today) AS status,
        pp_expected_label(x.of_deadline, x.of_mandatory, x.carence_opens_on, x.carence_deadline,
                          x.declared_by_of, x.declared_in_carence, x.employer_scope_from,
                          x.correction_requested_on, x.correction_answered, $today) AS status_label,
        pp_expected_due(x.of_deadline, x.of_mandatory, x.carence_opens_on, x.carence_deadline,
                        x.declared_by_of, x.declared_in_carence, x.employer_scope_from,
                        x.correction_requested_on, x.correction_answered, $today) AS due_on
    FROM x
)
SELECT
    s.*,
    date_diff('day', $today, s.due_on) AS days_left,
    CASE
        WHEN s.declared_by_of AND s.discrepancies <> '' THEN 'déclarée avec écarts'
        WHEN s.declared_by_of THEN 'déclarée, conforme'
        WHEN s.ambiguous THEN 'à rapprocher'
        ELSE 'non déclarée'
    END AS reconciliation,
    -- Declared by the OF and in carence, unless the carence answered a correction the OF did not make.
    s.declared_by_of AND s.declared_in_carence AND s.status <> 'declared_in_carence' AS double_declaration
FROM s
ORDER BY due_on NULLS LAST, s.person_birth_name, s.id
