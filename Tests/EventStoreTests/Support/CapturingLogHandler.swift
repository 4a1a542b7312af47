import Logging

/// Sends every log message to an inbox, so a test can wait for something to be logged.
struct CapturingLogHandler: LogHandler {
    let inbox: Inbox<String>
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    func log(event: LogEvent) {
        inbox.append(event.message.description)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}
