import ArgumentParser
import HTTPAPI

/// `--sse-*`: how `GET /stream` treats its clients.
struct StreamOptions: ParsableArguments {
    @Option(
        name: .customLong("sse-heartbeat"),
        help: ArgumentHelp(
            "Time between heartbeat comments on every event stream, e.g. 15s, 500ms.", valueName: "duration"))
    var heartbeat: String = "15s"

    @Option(
        name: .customLong("sse-queue-limit"),
        help: "Frames an event-stream client may fall behind before it is cut off (it resumes from the log).")
    var queueLimit: Int = 5_000

    func configuration() throws -> EventBroadcaster.Configuration {
        guard let heartbeat = SagaOptions.duration(heartbeat), heartbeat > .zero else {
            throw ValidationError(
                "--sse-heartbeat: expected a duration above zero such as 15s or 500ms, got \(self.heartbeat)")
        }
        guard queueLimit >= 1 else { throw ValidationError("--sse-queue-limit must be at least 1") }
        return EventBroadcaster.Configuration(queueLimit: queueLimit, heartbeat: heartbeat)
    }
}
