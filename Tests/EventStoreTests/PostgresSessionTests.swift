import Foundation
import Postgres
import Testing

/// Errors, transactions and LISTEN/NOTIFY on the libpq layer.
@Suite("Postgres errors, transactions and notifications", .timeLimit(.minutes(1)))
struct PostgresSessionTests {
    @Test func aServerErrorCarriesItsSQLStateAndConstraintButNoValues() async throws {
        try await TestDatabase.with { database in
            try await database.pool.query(
                """
                create table accounts (
                    id int constraint accounts_pk primary key,
                    email text not null constraint accounts_email_unique unique,
                    plan text constraint accounts_plan_known check (plan in ('small', 'large'))
                )
                """)
            let secret = "s3cret-\(UUID())@example.com"
            try await database.pool.query("insert into accounts (id, email, plan) values (1, \(secret), 'small')")

            let duplicate = await #expect(throws: PostgresError.self) {
                try await database.pool.query("insert into accounts (id, email) values (2, \(secret))")
            }
            #expect(duplicate?.code == .server)
            #expect(duplicate?.sqlState == "23505")
            #expect(duplicate?.constraint == "accounts_email_unique")
            #expect(duplicate?.detail?.contains(secret) == true, "DETAIL is there for callers that want it")
            #expect(duplicate.map { !"\($0)".contains(secret) } == true, "the description must not leak values")
            #expect(duplicate?.isTransient == false)

            let check = await #expect(throws: PostgresError.self) {
                try await database.pool.query("insert into accounts (id, email, plan) values (3, 'x', \(secret))")
            }
            #expect(check?.sqlState == "23514")
            #expect(check?.constraint == "accounts_plan_known")
            #expect(check.map { !"\($0)".contains(secret) } == true)

            let syntax = await #expect(throws: PostgresError.self) {
                try await database.pool.query("selec 1")
            }
            #expect(syntax?.sqlState == "42601")
            #expect(syntax?.constraint == nil)

            let raised = await #expect(throws: PostgresError.self) {
                try await database.pool.query(
                    "do $$ begin raise exception using errcode = 'UR001', message = 'custom', detail = '42'; end $$")
            }
            #expect(raised?.sqlState == "UR001")
            #expect(raised?.message == "custom")
            #expect(raised?.detail == "42")
            // The connection that saw the errors is still fine.
            #expect(
                try await database.pool.query("select count(*) as n from accounts").first?.decode(Int.self, "n") == 1)
        }
    }

    @Test func aTransactionRollsBackWhenItsBodyFails() async throws {
        try await TestDatabase.with(maxConnections: 1) { database in
            try await database.pool.query("create table items (id int primary key)")
            await #expect(throws: DeliberateRollback.self) {
                try await database.pool.withTransaction { connection in
                    try await connection.query("insert into items values (1)")
                    throw DeliberateRollback()
                }
            }
            // A server error in the middle rolls back the statements before it too.
            await #expect(throws: PostgresError.self) {
                try await database.pool.withTransaction { connection in
                    try await connection.query("insert into items values (2)")
                    try await connection.query("insert into items values (2)")
                }
            }
            // A body that returns while still inside a transaction must not hand it to the next
            // borrower: the pool closes that connection, which rolls it back.
            try await database.pool.withConnection { connection in
                try await connection.query("BEGIN")
                try await connection.query("insert into items values (3)")
            }
            let committed = try await database.pool.withTransaction { connection in
                try await connection.query("insert into items values (4)")
                return await connection.inTransaction()
            }
            #expect(committed)
            let ids = try await database.pool.query("select id from items order by id").map {
                try $0.decode(Int.self, "id")
            }
            #expect(ids == [4])
            #expect(try await database.pool.withConnection { await !$0.inTransaction() })
        }
    }

    @Test func notificationsFromAnotherConnectionArriveWithChannelAndPayload() async throws {
        try await TestDatabase.with { database in
            let channel = "urumi test \"chan\" \(UUID().uuidString.prefix(4))"
            let listener = try await database.pool.openDedicatedConnection()
            let notifications = try await listener.listen([channel, "other"])
            let inbox = Inbox<PostgresNotification>()
            let payloads = ["first", "", "it's \"quoted\" 🎉", String(repeating: "p", count: 7_000)]
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await notification in notifications { inbox.append(notification) }
                }
                defer { group.cancelAll() }
                let sender = database.makePool(applicationName: "urumi-test-sender")
                let senderPID = try #require(
                    try await sender.query("select pg_backend_pid() as pid").first?.decode(Int32.self, "pid"))
                for payload in payloads {
                    try await sender.query("select pg_notify(\(channel), \(payload))")
                }
                try await sender.query("select pg_notify('other', 'elsewhere')")
                // Not listening on this one.
                try await sender.query("select pg_notify('nobody_listens', 'x')")
                let received = try await inbox.waitFor(
                    count: payloads.count + 1, timeout: .seconds(10), "notifications")
                #expect(received.map(\.channel) == Array(repeating: channel, count: payloads.count) + ["other"])
                #expect(received.map(\.payload) == payloads + ["elsewhere"])
                #expect(received.allSatisfy { $0.backendPID == senderPID })
                await sender.close()
            }
            await listener.close()
        }
    }
}
