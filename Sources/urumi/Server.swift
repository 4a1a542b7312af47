import Foundation
import Logging
import ServiceLifecycle
import UrumiApp

/// `urumi serve`: logging and metrics for the process, then the application over live
/// dependencies (`buildApplication(.live(...))`), run until SIGTERM or SIGINT.
enum Server {
    /// How long SIGTERM waits for a graceful end before cancelling what is left.
    static let shutdownGrace = Duration.seconds(10)

    static func run(_ settings: ServerSettings) async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = settings.logLevel
            return handler
        }
        let logger = Logger(label: "urumi")
        let metrics = ServerMetrics()
        metrics.bootstrap()
        let dependencies = try await Dependencies.live(settings, logger: logger)
        if !settings.authenticate {
            logger.critical("AUTHENTICATION IS OFF (--auth none): every caller is admin. For local development only.")
        }
        let clusterKind = dependencies.driver.isSimulated ? "simulated" : "kubernetes"
        let authMode = settings.authenticate ? "tokens" : "none (DEVELOPMENT ONLY)"
        let host = settings.host
        let application = buildApplication(
            dependencies,
            settings: settings.application, logger: logger, metrics: metrics
        ) { port in
            // Straight to the file descriptor: tests and scripts wait for this line on a pipe.
            FileHandle.standardOutput.write(
                Data("Urumi listening on http://\(host):\(port) (cluster: \(clusterKind), auth: \(authMode))\n".utf8))
        }
        var configuration = ServiceGroupConfiguration(
            services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // An event-stream client that stops reading keeps its response's write pending for good
        // (TCP never gives up on a zero window), and the HTTP server waits for it. Past this,
        // shutdown turns into cancellation, which ends such writes; sagas stop where they are
        // either way and resume from their streams.
        configuration.maximumGracefulShutdownDuration = Self.shutdownGrace
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch {
            await dependencies.close()
            throw error
        }
        await dependencies.close()
    }
}
