import EventStore
import Foundation
import HTTPAPI
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Provisioning
import Simulator
import TestSupport
import Testing
import UrumiApp

/// The application in process over in-memory dependencies (no database, no server socket:
/// HummingbirdTesting's router mode), with its event log at hand for observing.
struct InMemoryApp {
    let dependencies: Dependencies
    let application: APIApplication

    static let logger: Logger = {
        var logger = Logger(label: "urumi.test")
        logger.logLevel = .warning
        return logger
    }()

    init(
        clock: any Clock<Duration> = ContinuousClock(), now: @escaping @Sendable () -> Date = Date.init,
        simulation: SimulationSettings = SimulationSettings(latency: .zero), authenticate: Bool = false,
        saga: SagaCoordinator.Configuration = .init(pollInterval: .milliseconds(50))
    ) {
        dependencies = .inMemory(clock: clock, now: now, simulation: simulation, random: { 0.5 })
        application = buildApplication(
            dependencies, settings: ApplicationSettings(saga: saga, authenticate: authenticate), logger: Self.logger)
    }

    /// Runs `test` with a client while the application's services run.
    func run<T: Sendable>(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await application.test(.router) { client in try await test(client) }
    }

    /// Waits (through the log, not by polling) for an event of `type` on `store`'s stream.
    func event(_ type: String, of store: String) async throws -> RecordedEvent {
        for try await event in dependencies.events.subscribe(after: .start)
        where event.type == type && event.streamID.rawValue == "store-\(store)" {
            return event
        }
        throw CancellationError()
    }

    /// Every event type of `store`'s stream, in order.
    func types(of store: String) async throws -> [String] {
        try await dependencies.events.readStream(StreamID("store-\(store)")).map(\.type)
    }
}

extension TestClientProtocol {
    /// Sends JSON; returns the status and the body as a JSON object.
    func json(
        _ method: HTTPRequest.Method, _ uri: String, _ body: [String: Any]? = nil, headers extra: HTTPFields = [:]
    ) async throws -> (status: Int, body: [String: Any], headers: HTTPFields) {
        var headers: HTTPFields = [:]
        var buffer: ByteBuffer?
        if let body {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body))
        }
        for field in extra { headers[field.name] = field.value }
        let response = try await executeRequest(uri: uri, method: method, headers: headers, body: buffer)
        let data = Data(response.body.readableBytesView)
        let object = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
        return (Int(response.status.code), object, response.headers)
    }

    /// Creates a store; returns its id.
    func createStore(domain: String) async throws -> String {
        let created = try await json(
            .post, "/stores", ["name": "Shop", "domain": domain, "adminEmail": "admin@\(domain)", "plan": "small"])
        #expect(created.status == 202, "\(created.body)")
        return try #require(created.body["id"] as? String)
    }
}
