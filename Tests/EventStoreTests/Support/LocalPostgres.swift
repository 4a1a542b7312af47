import Foundation
import Testing

/// A PostgreSQL server of the test's own, started with `scripts/local-postgres.sh`, for tests
/// that stop and start the server and so must not share it with tests running in parallel.
struct LocalPostgres: Sendable {
    static let script = repositoryRoot.appendingPathComponent("scripts/local-postgres.sh").path

    let directory: URL
    /// `postgres://postgres@127.0.0.1:PORT/urumi`
    let url: String

    /// Starts a server in `body`'s own temporary directory and destroys it afterwards, even when
    /// `body` throws.
    static func with<T>(_ body: (LocalPostgres) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("urumi-test-pg-\(UUID().uuidString.prefix(8))")
        let server: LocalPostgres
        do {
            let url = try await run("start", directory)
            server = LocalPostgres(directory: directory, url: url)
        } catch {
            _ = try? await run("destroy", directory)
            throw error
        }
        do {
            let value = try await body(server)
            _ = try? await run("destroy", directory)
            return value
        } catch {
            _ = try? await run("destroy", directory)
            throw error
        }
    }

    /// A fast shutdown (`pg_ctl -m fast`): every session is told to go and disconnected.
    func stop() async throws { _ = try await Self.run("stop", directory) }

    /// Starts the stopped server again on the same port and data directory.
    func start() async throws {
        let again = try await Self.run("start", directory)
        #expect(again == url, "the server came back on another address")
    }

    @discardableResult
    private static func run(_ command: String, _ directory: URL) async throws -> String {
        // Foundation's Process learns that its child exited when a socket the child inherited
        // closes; the server that `start` leaves running would inherit it too and keep it open
        // for its whole life. So close every descriptor above stderr before running the script.
        let closeInherited = #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done; "#
        let output = try await runProcess(
            "/bin/bash", ["-c", closeInherited + #"exec /bin/bash "$0" "$@""#, script, command, directory.path],
            environment: ["FAST": "1"])
        guard output.status == 0 else {
            throw TestSetupError.failed("local-postgres.sh \(command) exited \(output.status): \(output.stderr)")
        }
        return output.stdout.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
    }
}
