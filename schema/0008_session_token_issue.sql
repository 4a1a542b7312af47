-- A session belongs to one issue of a token (the SHA-256 its token.created.v1 event stores),
-- not just to the token's name: once a token is revoked and a new one is issued under the
-- same name, the old token's sessions must stay dead. Sessions from before this column have
-- no issue and end now (their users sign in again).
alter table sessions add column if not exists token_hash text;
delete from sessions where token_hash is null;
