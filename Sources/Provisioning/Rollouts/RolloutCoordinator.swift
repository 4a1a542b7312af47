import EventStore
import Logging
import ServiceLifecycle
import Synchronization

/// Hosts the rollouts of this process: at start it drives every open rollout (found through
/// the index stream, folded from its own stream: a crash mid-wave resumes that wave), and it
/// drives again each rollout whose stream gets a new event (created, resumed, aborted) as the
/// log follower hands it over. One drive per rollout at a time.
///
/// Several replicas each drive the open rollouts; their appends are fenced on the rollout's
/// version and the store operations they start are idempotent by key, so a second driver
/// costs work, never a second change (see docs/decisions/rollouts.md).
public final class RolloutCoordinator: Service, LogConsumer {
    let runner: RolloutRunner
    let service: RolloutService
    let logger: Logger
    private let requests: AsyncStream<String>
    private let requestContinuation: AsyncStream<String>.Continuation
    /// The rollouts being driven: id → asked again while driving.
    private let active = Mutex<[String: Bool]>([:])

    public init(runner: RolloutRunner, service: RolloutService, logger: Logger) {
        self.runner = runner
        self.service = service
        self.logger = logger
        (requests, requestContinuation) = AsyncStream.makeStream(of: String.self)
    }

    /// Asks for the rollout to be driven (a command of this process).
    public func wake(_ id: String) { requestContinuation.yield(id) }

    public func consume(_ batch: [RecordedEvent]) async {
        await runner.watch.consume(batch)
        for event in batch where event.streamID.rawValue.hasPrefix("rollout-") {
            switch event.type {
            case RolloutEvent.Kind.requested.rawValue, RolloutEvent.Kind.resumed.rawValue,
                RolloutEvent.Kind.abortRequested.rawValue:
                wake(String(event.streamID.rawValue.dropFirst("rollout-".count)))
            default:
                break
            }
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.host()
        }
    }

    private func host() async {
        await withDiscardingTaskGroup { group in
            do {
                for id in try await service.openRollouts() { requestContinuation.yield(id) }
            } catch {
                logger.error("rollouts: cannot list the open rollouts", metadata: ["error": "\(error)"])
            }
            for await id in requests {
                let start = self.active.withLock { active -> Bool in
                    if active[id] != nil {
                        active[id] = true
                        return false
                    }
                    active[id] = false
                    return true
                }
                guard start else { continue }
                group.addTask { [runner, logger, self] in
                    while !Task.isCancelled {
                        var failed = false
                        do {
                            try await runner.drive(id)
                        } catch is CancellationError {
                            return
                        } catch {
                            // The database or the cluster went away: try again shortly.
                            logger.error("rollout \(id) stopped; retrying", metadata: ["error": "\(error)"])
                            failed = true
                            try? await runner.clock.sleep(for: .seconds(2))
                        }
                        let again = self.active.withLock { active -> Bool in
                            if active[id] == true || failed {
                                active[id] = false
                                return true
                            }
                            active[id] = nil
                            return false
                        }
                        if !again { return }
                    }
                }
            }
        }
    }
}
