-- Every OF declaration line with its deadlines, verification status at $today and reconciliation result: the
-- persisted columns (pp_list_of_declarations, lib/sql/derive_lists.sql) with the line's last decision
-- (pp_last_actions, few rows) and the status macros at $today. `search_text` is the row's normalized search text.
WITH x AS (
    SELECT
        t.* EXCLUDE (
            record_id, paired_how, discrepancies, discrepancy_details, reconciliation, matricule, site, service,
            carence_opens_on, carence_deadline, declared_in_carence, closed_before_employer_space, establishment,
            search_text
        ),
        la.action AS last_action,
        la.reason AS last_reason,
        la.who AS last_action_by,
        la.acted_at AS last_action_at,
        la.decided_on AS last_decided_on,
        coalesce(la.correction_answered, false) AS correction_answered,
        t.record_id, t.paired_how, t.discrepancies, t.discrepancy_details, t.reconciliation, t.matricule, t.site,
        t.service, t.carence_opens_on, t.carence_deadline, t.declared_in_carence, t.closed_before_employer_space,
        t.establishment, t.search_text
    FROM pp_list_of_declarations t
    LEFT JOIN pp_last_actions la ON la.line_key = t.line_key
)
SELECT
    x.* EXCLUDE (establishment, search_text),
    pp_verification_status(x.verification_deadline, x.last_action, x.closed_before_employer_space,
        x.last_decided_on, x.correction_answered, x.carence_opens_on, x.carence_deadline, x.declared_in_carence,
        $today) AS status,
    pp_verification_label(x.verification_deadline, x.last_action, x.closed_before_employer_space,
        x.last_decided_on, x.correction_answered, x.carence_opens_on, x.carence_deadline, x.declared_in_carence,
        $today) AS status_label,
    pp_verification_due(x.verification_deadline, x.last_action, x.closed_before_employer_space,
        x.last_decided_on, x.correction_answered, x.carence_opens_on, x.carence_deadline, x.declared_in_carence,
        $today) AS due_on,
    date_diff('day', $today, pp_verification_due(x.verification_deadline, x.last_action,
        x.closed_before_employer_space, x.last_decided_on, x.correction_answered, x.carence_opens_on,
        x.carence_deadline, x.declared_in_carence, $today)) AS days_left,
    x.establishment,
    x.search_text
FROM x
-- An order no decision changes (the verification deadline, not the due date): after a decision the dashboard
-- updates the decided lines in place (lib/ui/cache.py).
ORDER BY x.concerned DESC, x.verification_deadline NULLS LAST, x.organisme, x.id_unique_partenaire
