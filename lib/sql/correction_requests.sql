-- The correction requests to send to each training provider: the line, the fields at fault, the expected
-- values (the reason given), and whether the provider has answered with a corrected file since.
SELECT
    l.organisme,
    o.siret AS organisme_siret,
    l.id_declaration,
    l.id_unique_partenaire,
    l.title,
    l.date_debut_formation,
    l.date_fin_formation,
    l.nir,
    l.nom_titulaire,
    coalesce(p.discrepancies, '') AS fields_at_fault,
    l.last_reason AS expected_values,
    l.last_decided_on AS requested_at,  -- the business day of the request
    l.last_action_by AS requested_by,
    l.correction_answered
FROM pp_lines l
LEFT JOIN pp_pairs p USING (line_key)
LEFT JOIN organismes o ON o.name = l.organisme
WHERE l.last_action = 'correction_requested'
ORDER BY l.organisme, l.id_declaration, l.id_unique_partenaire
