import EventStore
import Postgres

extension PostgresError: TransientError {}
