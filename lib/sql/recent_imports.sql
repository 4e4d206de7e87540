-- The latest imports, newest first, with their provenance.
SELECT
    id,
    imported_at,
    kind,
    portal_kind,
    file_name,
    organisme,
    rows,
    inserted,
    updated,
    unchanged,
    received_on,
    who,
    sha256
FROM imports
ORDER BY id DESC
LIMIT $limit
