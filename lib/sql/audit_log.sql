-- Every import, action, export, confirmation, setting change, purge and backup: who, when, what.
SELECT * FROM (
    SELECT
        imported_at AS happened_at,
        who,
        'import' AS kind,
        CASE kind WHEN 'of' THEN 'Import des déclarations de ' || coalesce(organisme, '?')
                  WHEN 'internal' THEN 'Import des formations (SIRH)'
                  WHEN 'roster' THEN 'Import de la liste des salariés'
                  ELSE 'Import du référentiel des compétences' END AS what,
        file_name || ' — ' || rows || ' ligne(s), ' || inserted || ' nouvelle(s), ' || updated || ' modifiée(s)' AS detail
    FROM imports
    UNION ALL
    SELECT
        acted_at,
        who,
        target_kind,
        CASE
            WHEN target_kind = 'of_line' AND action = 'accepted' THEN 'Déclaration acceptée'
            WHEN target_kind = 'of_line' AND action = 'correction_requested' THEN 'Correction demandée'
            WHEN target_kind = 'export' AND action = 'undone' THEN 'Fichier n° ' || target_key || ' écarté ou dépôt annulé'
            WHEN action = 'undone' THEN 'Annulation de l''action n° ' || coalesce(CAST(undoes AS VARCHAR), '—')
            WHEN target_kind = 'export' AND action = 'deposited' THEN 'Dépôt confirmé du fichier n° ' || target_key
            WHEN target_kind = 'pairing' THEN 'Rapprochement manuel'
            WHEN target_kind = 'login' AND action = 'failed' THEN 'Échec de connexion'
            WHEN target_kind = 'login' AND action = 'locked' THEN 'Connexion bloquée'
            WHEN target_kind = 'settings' THEN 'Paramètre modifié : ' || target_key
            WHEN action = 'backup' THEN 'Sauvegarde de la base'
            WHEN action = 'restored' THEN 'Restauration de la base'
            WHEN action = 'purged' THEN 'Purge des données personnelles'
            WHEN target_kind = 'reminder' AND action = 'sent' THEN 'Rappel envoyé à ' || target_key
            WHEN target_kind = 'site_managers' THEN 'Responsables de site enregistrés'
            WHEN action = 'accepted_warnings' THEN 'Import confirmé malgré les avertissements (import n° ' || target_key || ')'
            WHEN action = 'validity_proposed' THEN 'Fins de validité recommandées appliquées'
            WHEN action = 'validity_cleared' THEN 'Fins de validité recommandées retirées'
            ELSE action
        END,
        -- A decision's line key (« organisme|ID_UNIQUE_PARTENAIRE ») read as « organisme — ligne ID », then its reason.
        CASE WHEN target_kind = 'of_line' THEN regexp_replace(target_key, '\|([^|]*)$', ' — ligne \1') ELSE '' END
            || CASE WHEN reason IS NULL THEN '' WHEN target_kind = 'of_line' THEN ' : ' || reason ELSE reason END
    FROM actions
    UNION ALL
    SELECT created_at, who, 'export',
           'Fichier du portail généré (' || CASE kind WHEN 'carence' THEN 'carence' ELSE 'déclarations internes' END || ')',
           file_name || ' — ' || lines || ' ligne(s), n° ' || id
    FROM exports
)
ORDER BY happened_at DESC
LIMIT $limit
