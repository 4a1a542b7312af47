-- The objects a simulated Helm release rendered (its Deployments, StatefulSet, Services,
-- Secret, volume claims, Ingress: "Kind/name"), so that drift can be simulated: an object
-- deleted behind Urumi's back is a missing row until the release is upgraded or rolled back,
-- which applies the chart's objects again (as helm does). Uninstalling a release removes them.
create table if not exists sim_release_objects (
    release    text        not null,
    object     text        not null,
    created_at timestamptz not null default now(),
    primary key (release, object)
);
