-- The validity of every training record at $today (horizon $horizon days), completed by the OF's
-- declared validity end when the record has none. is_latest marks each person's latest training of a
-- family (a MAC SST renews the SST: one habilitation to follow). The persisted columns (pp_list_validities,
-- lib/sql/derive_lists.sql) and the status at $today.
SELECT
    t.* EXCLUDE (validity_source, is_latest, formation, search_text),
    t.exit_date IS NULL OR t.exit_date >= $today AS is_active,
    t.validity_source,
    t.is_latest,
    t.formation,
    pp_validity_status(t.effective_validity_end, $today, $horizon) AS status,
    pp_status_label(pp_validity_status(t.effective_validity_end, $today, $horizon)) AS status_label,
    date_diff('day', $today, t.effective_validity_end) AS days_left,
    t.search_text
FROM pp_list_validities t
ORDER BY t.effective_validity_end NULLS LAST, t.person_birth_name
