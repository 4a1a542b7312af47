-- The simulated cluster keeps each release's generated WordPress admin password, as a real
-- cluster keeps it in the release's Secret (GET /stores/{id}/credentials reads it).
alter table sim_objects add column if not exists secret text;
