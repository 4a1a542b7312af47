-- The simulated cluster's inventory is not part of the production schema any more: the
-- simulator keeps its own migrations in schema/simulator/ (applied only when Urumi runs on the
-- simulated cluster). This drops the table that 0004 and 0007 created; a simulated run creates
-- it again from schema/simulator/9001_simulated_cluster.sql.
drop table if exists sim_objects;
