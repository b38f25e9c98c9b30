-- One database per service, each owned by a role of its own, so no service can read another's
-- tables. Runs once, when the PostgreSQL volume is first created.
-- The passwords are for the local compose stack only; production uses its own credentials.

CREATE ROLE gateway LOGIN PASSWORD 'development-only-gateway';
CREATE DATABASE gateway OWNER gateway;
REVOKE ALL ON DATABASE gateway FROM PUBLIC;

CREATE ROLE intake LOGIN PASSWORD 'development-only-intake';
CREATE DATABASE intake OWNER intake;
REVOKE ALL ON DATABASE intake FROM PUBLIC;

CREATE ROLE routing LOGIN PASSWORD 'development-only-routing';
CREATE DATABASE routing OWNER routing;
REVOKE ALL ON DATABASE routing FROM PUBLIC;

CREATE ROLE case_tracking LOGIN PASSWORD 'development-only-case-tracking';
CREATE DATABASE case_tracking OWNER case_tracking;
REVOKE ALL ON DATABASE case_tracking FROM PUBLIC;

CREATE ROLE notifications LOGIN PASSWORD 'development-only-notifications';
CREATE DATABASE notifications OWNER notifications;
REVOKE ALL ON DATABASE notifications FROM PUBLIC;
