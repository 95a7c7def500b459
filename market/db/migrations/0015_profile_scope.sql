-- A scope for changing an organization's profile (city, contact details, preferred language),
-- which had no route before. Keys that already manage the organization's keys (every "full" key)
-- get it; narrower keys do not.
UPDATE api_keys
SET scopes = array_append(scopes, 'profile:write')
WHERE 'keys:write' = ANY (scopes) AND NOT ('profile:write' = ANY (scopes));
