-- The validity of every training record at $today (horizon $horizon days), completed by the OF's
-- declared validity end when the record has none. is_latest marks each person's latest training of a
-- family (a MAC SST renews the SST: one habilitation to follow).
WITH x AS (
    SELECT
        r.*,
        coalesce(r.validity_end, l.date_fin_validite) AS effective_validity_end,
        r.exit_date IS NULL OR r.exit_date >= $today AS is_active,
        CASE
            WHEN r.validity_end IS NOT NULL AND r.validity_end_proposed THEN 'recommandation'
            WHEN r.validity_end IS NOT NULL THEN 'SIRH'
            WHEN l.date_fin_validite IS NOT NULL THEN 'déclaration OF'
        END AS validity_source,
        latest.record_id IS NOT NULL AS is_latest
    FROM pp_records r
    -- The latest of each (person, family) by end date, then id: a grouped arg_max over narrow rows costs a
    -- third of a window over the wide ones at a million records.
    LEFT JOIN (
        SELECT arg_max(id, (end_date, id)) AS record_id FROM pp_records
        GROUP BY coalesce(matricule, person_nir), coalesce(training_family, title_norm)
    ) latest ON latest.record_id = r.id
    LEFT JOIN pp_pairs p ON p.record_id = r.id
    LEFT JOIN pp_lines l ON l.line_key = p.line_key
)
SELECT
    x.*,
    -- One habilitation per family (a MAC SST renews the SST), named as the durations table names it.
    coalesce(x.training_family_label, x.training_type, x.training_title) AS formation,
    pp_validity_status(x.effective_validity_end, $today, $horizon) AS status,
    pp_status_label(pp_validity_status(x.effective_validity_end, $today, $horizon)) AS status_label,
    date_diff('day', $today, x.effective_validity_end) AS days_left
FROM x
ORDER BY x.effective_validity_end NULLS LAST, x.person_birth_name
