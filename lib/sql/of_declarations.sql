-- Every OF declaration line with its deadlines, verification status at $today and reconciliation result.
WITH x AS (
    SELECT
        l.*,
        p.record_id,
        p.how AS paired_how,
        coalesce(p.discrepancies, '') AS discrepancies,
        coalesce(p.discrepancy_details, '') AS discrepancy_details,
        CASE
            WHEN p.record_id IS NOT NULL THEN 'rapprochée'
            WHEN l.line_key IN (SELECT line_key FROM pp_ambiguous) THEN 'à rapprocher'
            ELSE 'inattendue'
        END AS reconciliation,
        r.matricule,
        r.person_site AS site,
        r.person_service AS service,
        pp_verification_status(l.verification_deadline, l.last_action, $today) AS status
    FROM pp_lines l
    LEFT JOIN pp_pairs p USING (line_key)
    LEFT JOIN pp_records r ON r.id = p.record_id
)
SELECT
    -- The portal's descriptive columns stay in the store (see pp_lines): no screen lists them, and at a
    -- million lines leaving them out halves what the dashboard loads.
    x.* EXCLUDE (nom_jdr),
    pp_status_label(x.status) AS status_label,
    pp_verification_due(x.verification_deadline, x.last_action, $today) AS due_on,
    date_diff('day', $today, pp_verification_due(x.verification_deadline, x.last_action, $today)) AS days_left,
    coalesce(e.site, x.site) AS establishment
FROM x
LEFT JOIN establishments e ON e.siret = x.siret_employeur
-- An order no decision changes (the verification deadline, not the due date): after a decision the dashboard
-- updates the decided lines in place (lib/ui.py).
ORDER BY x.concerned DESC, x.verification_deadline NULLS LAST, x.organisme, x.id_unique_partenaire
