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
        -- The carence a correction not made leads to: the matched record's window (the employer's values),
        -- none outside the employer's scope; an unmatched line's own window (category unknown: owed).
        CASE WHEN r.id IS NULL THEN pp_carence_opens_on(l.r, NULL)
             WHEN pp_employer_scope_from(r.r, r.category) IS NULL THEN r.carence_opens_on END AS carence_opens_on,
        CASE WHEN r.id IS NULL THEN pp_carence_deadline(l.r, NULL)
             WHEN pp_employer_scope_from(r.r, r.category) IS NULL THEN r.carence_deadline END AS carence_deadline,
        dr.record_id IS NOT NULL AS declared_in_carence,
        pp_closed_before_employer_space(l.verification_deadline) AS closed_before_employer_space,
        l.last_decided_on AS requested_on
    FROM pp_lines l
    LEFT JOIN pp_pairs p USING (line_key)
    LEFT JOIN pp_records r ON r.id = p.record_id
    LEFT JOIN pp_declared_records dr ON dr.record_id = p.record_id AND dr.kind = 'carence'
),
s AS (
    SELECT
        x.* EXCLUDE (requested_on),
        pp_verification_status(x.verification_deadline, x.last_action, x.closed_before_employer_space,
            x.requested_on, x.correction_answered, x.carence_opens_on, x.carence_deadline, x.declared_in_carence,
            $today) AS status,
        pp_verification_label(x.verification_deadline, x.last_action, x.closed_before_employer_space,
            x.requested_on, x.correction_answered, x.carence_opens_on, x.carence_deadline, x.declared_in_carence,
            $today) AS status_label,
        pp_verification_due(x.verification_deadline, x.last_action, x.closed_before_employer_space,
            x.requested_on, x.correction_answered, x.carence_opens_on, x.carence_deadline, x.declared_in_carence,
            $today) AS due_on
    FROM x
)
SELECT
    -- The portal's descriptive columns stay in the store (see pp_lines): no screen lists them, and at a
    -- million lines leaving them out halves what the dashboard loads.
    s.* EXCLUDE (nom_jdr),
    date_diff('day', $today, s.due_on) AS days_left,
    coalesce(e.site, s.site) AS establishment
FROM s
LEFT JOIN establishments e ON e.siret = s.siret_employeur
-- An order no decision changes (the verification deadline, not the due date): after a decision the dashboard
-- updates the decided lines in place (lib/ui/cache.py).
ORDER BY s.concerned DESC, s.verification_deadline NULLS LAST, s.organisme, s.id_unique_partenaire
