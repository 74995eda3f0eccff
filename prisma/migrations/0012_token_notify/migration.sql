-- Server processes keep valid API tokens in memory for a few seconds (src/auth/token-cache.ts).
-- Any change to a token that can matter — revocation, expiry, role, teams, rate limit,
-- deletion — through the API or by hand, NOTIFYs "supportgraph_api_tokens" at its commit,
-- and every listening process forgets its cached tokens. "lastUsedAt" (written once a
-- minute per token in use) does not notify. Statement-level: one check per statement.

CREATE FUNCTION supportgraph_api_token_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT FROM api_token_old o LEFT JOIN api_token_new n ON n.id = o.id
              WHERE n.id IS NULL OR to_jsonb(o) - 'lastUsedAt' IS DISTINCT FROM to_jsonb(n) - 'lastUsedAt') THEN
    PERFORM pg_notify('supportgraph_api_tokens', '');
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION supportgraph_api_token_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' OR EXISTS (SELECT FROM api_token_old) THEN
    PERFORM pg_notify('supportgraph_api_tokens', '');
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "ApiToken_cache_update" AFTER UPDATE ON "ApiToken" REFERENCING OLD TABLE AS api_token_old NEW TABLE AS api_token_new
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_api_token_changed();
CREATE TRIGGER "ApiToken_cache_delete" AFTER DELETE ON "ApiToken" REFERENCING OLD TABLE AS api_token_old
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_api_token_deleted();
CREATE TRIGGER "ApiToken_cache_truncate" AFTER TRUNCATE ON "ApiToken"
  FOR EACH STATEMENT EXECUTE FUNCTION supportgraph_api_token_deleted();
