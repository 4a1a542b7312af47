import Foundation
import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Runs an external command (helm, a credential plugin) with an argument array, never a shell
/// string, in its own session, so that a timeout or a cancelled task stops it and everything it
/// started: SIGTERM to the process group, then SIGKILL after `killGrace`.
public struct CommandRunner: Sendable {
    /// What a finished command left behind.
    public struct Result: Sendable, Hashable {
        /// The exit code; nil when a signal ended it.
        public var exitCode: Int32?
        public var standardOutput: String
        public var standardError: String
    }

    public enum Failure: Error, Sendable, Hashable {
        /// The executable could not be started (not found, not executable).
        case cannotRun(String)
        /// It ran longer than its timeout and was stopped.
        case timedOut(Duration)
    }

    public var killGrace: Duration
    /// Output beyond this is an error (helm prints little; a runaway command must not fill memory).
    public var outputLimit: Int

    public init(killGrace: Duration = .seconds(5), outputLimit: Int = 4 << 20) {
        self.killGrace = killGrace
        self.outputLimit = outputLimit
    }

    /// Variables of Urumi's own that a child process never gets.
    static func isPrivate(_ key: String) -> Bool {
        key == "DATABASE_URL" || key.hasPrefix("URUMI_")
    }

    /// Runs `executable` (a path, or a name looked up on PATH) and waits for it, at most
    /// `timeout`. Cancelling the calling task stops the command the same way.
    public func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: Duration
    ) async throws -> Result {
        let killGrace = self.killGrace
        let limit = outputLimit
        let group = ProcessGroupBox()
        return try await withThrowingTaskGroup(of: Result?.self) { tasks in
            tasks.addTask {
                var options = PlatformOptions()
                // A session of its own: the group's id is the child's pid, and a signal to the
                // group reaches helm's children too.
                options.createSession = true
                options.teardownSequence = [
                    .send(signal: .terminate, toProcessGroup: true, allowedDurationToNextStep: killGrace)
                ]
                let exe: Executable = executable.contains("/") ? .path(FilePath(executable)) : .name(executable)
                // Urumi's own settings stay out of the child: DATABASE_URL holds the database
                // password, which neither helm nor a credential plugin has any use for.
                var updates: [Environment.Key: String?] = [:]
                for key in ProcessInfo.processInfo.environment.keys where Self.isPrivate(key) {
                    updates[Environment.Key(stringLiteral: key)] = .some(nil)
                }
                for (key, value) in environment { updates[Environment.Key(stringLiteral: key)] = value }
                do {
                    let outcome = try await Subprocess.run(
                        exe, arguments: Arguments(arguments), environment: .inherit.updating(updates),
                        platformOptions: options, input: .none,
                        output: .string(limit: limit), error: .string(limit: limit)
                    ) { execution in
                        group.set(execution.processIdentifier.value)
                    }
                    let code: Int32?
                    switch outcome.terminationStatus {
                    case .exited(let value): code = value
                    default: code = nil
                    }
                    return Result(
                        exitCode: code, standardOutput: outcome.standardOutput, standardError: outcome.standardError)
                } catch let error as SubprocessError {
                    if Task.isCancelled { return nil }
                    throw Failure.cannotRun("\(executable): \(error)")
                }
            }
            tasks.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            var first: Result?? = nil
            var thrown: (any Error)?
            do { first = try await tasks.next() } catch { thrown = error }
            // Whatever ended first, stop the other, and wait for the command's task so that its
            // teardown (SIGTERM, then SIGKILL to the group) is over before we return.
            tasks.cancelAll()
            while true {
                do {
                    guard try await tasks.next() != nil else { break }
                } catch {}
            }
            await group.reapSurvivors(grace: killGrace)
            if Task.isCancelled { throw CancellationError() }
            if let thrown { throw thrown }
            guard let first, let result = first else { throw Failure.timedOut(timeout) }
            return result
        }
    }
}

/// The process group of the running command, to stop children that outlive helm itself.
private final class ProcessGroupBox: @unchecked Sendable {
    private let lock = NSLock()
    private var pgid: pid_t?

    func set(_ pid: pid_t) {
        lock.withLock { pgid = pid }
    }

    /// SIGTERM, then SIGKILL after `grace`, to whatever is left of the group (children that
    /// ignored the first signal, or whose parent died first). The group id stays reserved by
    /// the kernel while any member lives, so this cannot reach another program.
    func reapSurvivors(grace: Duration) async {
        guard let pgid = lock.withLock({ pgid }) else { return }
        guard kill(-pgid, 0) == 0 else { return }
        kill(-pgid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if kill(-pgid, 0) != 0 { return }
            await uncancelledSleep(.milliseconds(50))
        }
        kill(-pgid, SIGKILL)
        // Give the kernel a moment to take them down, so that a caller who looks finds them gone.
        for _ in 0..<20 where kill(-pgid, 0) == 0 {
            await uncancelledSleep(.milliseconds(10))
        }
    }
}

/// Sleeps even when the calling task is cancelled (teardown must finish).
private func uncancelledSleep(_ duration: Duration) async {
    await Task.detached { try? await Task.sleep(for: duration) }.value
}
