-- Two scopes that were implied before and are named now. Managing API keys needed no scope, so
-- every key that held all of an organization's everyday scopes (a "full" key) keeps that power
-- as keys:write. Setting a border crossing's status needed only a chamber's key; chamber keys
-- that manage members keep it as crossings:write. Narrower keys get neither.
UPDATE api_keys
SET scopes = array_append(scopes, 'keys:write')
WHERE scopes @> ARRAY['read', 'listings:write', 'webhooks:write']
  AND NOT ('keys:write' = ANY (scopes));

UPDATE api_keys k
SET scopes = array_append(k.scopes, 'crossings:write')
FROM organizations o
WHERE o.id = k.organization_id
  AND o.kind = 'chamber'
  AND 'members:write' = ANY (k.scopes)
  AND NOT ('crossings:write' = ANY (k.scopes));
