import EventStore
import Foundation

/// The commands and queries of rollouts: create (or dry-run), pause, resume, abort, read.
public struct RolloutService: Sendable {
    /// A rollout as asked, validated.
    public struct Request: Sendable {
        public var action: RolloutEvent.Action
        public var change: StoreChange?
        public var selector: RolloutEvent.Selector
        public var waves: [RolloutPlanner.WaveStep]
        public var maxFailures: Int
        public var pauseBetweenMs: Int

        public init(
            action: RolloutEvent.Action, change: StoreChange?, selector: RolloutEvent.Selector,
            waves: [RolloutPlanner.WaveStep] = RolloutPlanner.defaultWaves, maxFailures: Int = 0, pauseBetweenMs: Int = 0
        ) {
            self.action = action
            self.change = change
            self.selector = selector
            self.waves = waves
            self.maxFailures = maxFailures
            self.pauseBetweenMs = pauseBetweenMs
        }
    }

    /// What a rollout would do to one store (`?dry_run=true`).
    public struct PlannedStore: Sendable, Hashable, Codable {
        public let store: StoreID
        public let name: String
        public let wave: Int
        public let from: StoreConfig?
        public let to: StoreConfig?
        /// The fields that would change, each `from → to`.
        public let changes: [String: [String]]
        /// Why the store would refuse the change (it would count as a failure), if it would.
        public let refused: String?
    }

    public struct DryRun: Sendable, Hashable, Codable {
        public let action: RolloutEvent.Action
        public let waves: [Int]
        public let stores: [PlannedStore]
    }

    let events: any EventStore
    let readModel: any StoreReadModel
    let newID: @Sendable () -> String
    /// Tells the coordinator of this process that a rollout wants driving (nil in tests that drive by hand).
    let wake: (@Sendable (String) -> Void)?

    public init(
        events: any EventStore, readModel: any StoreReadModel,
        newID: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() },
        wake: (@Sendable (String) -> Void)? = nil
    ) {
        self.events = events
        self.readModel = readModel
        self.newID = newID
        self.wake = wake
    }

    /// The stores a selector names, in the order the waves take them (the ids' order when
    /// given, otherwise oldest first). Without a status, only `ready` stores are taken.
    public func select(_ selector: RolloutEvent.Selector, action: RolloutEvent.Action) async throws -> [StoreView] {
        var views: [StoreView] = []
        if let ids = selector.ids {
            var seen = Set<StoreID>()
            for id in ids where seen.insert(id).inserted {
                guard let view = try await readModel.store(id) else {
                    throw ProvisioningError.validation([FieldError(field: "selector.ids", message: "no store with id \(id)")])
                }
                views.append(view)
            }
        } else {
            var after: String?
            let statuses = selector.status.map { [$0] } ?? [.ready]
            repeat {
                let page = try await readModel.page(statuses: statuses, search: nil, after: after, limit: 500)
                views += try page.items.map(StoreProjection.decodeView)
                after = page.next
            } while after != nil
        }
        return views.filter { view in
            (selector.plan == nil || view.plan == selector.plan)
                && (selector.status == nil || view.status == selector.status)
                && (action == .delete ? view.status != .deleted : true)
        }
    }

    /// What the rollout would do, store by store, touching nothing.
    public func dryRun(_ request: Request) async throws -> DryRun {
        let views = try await select(request.selector, action: request.action)
        let sizes = RolloutPlanner.waveSizes(request.waves, total: views.count)
        var waveOf: [Int] = []
        for (index, size) in sizes.enumerated() { waveOf += Array(repeating: index, count: size) }
        let stores = views.enumerated().map { index, view -> PlannedStore in
            guard request.action == .update, let change = request.change else {
                let refused = view.deletionProtection ? "deletion protection is on" : nil
                return PlannedStore(store: view.id, name: view.name, wave: waveOf[index], from: nil, to: nil, changes: [:], refused: refused)
            }
            let from = view.applied ?? view.desired
            let to = change.applied(to: from)
            var changes: [String: [String]] = [:]
            if from.name != to.name { changes["name"] = [from.name, to.name] }
            if from.plan != to.plan { changes["plan"] = [from.plan.rawValue, to.plan.rawValue] }
            if from.effectiveWordPressVersion != to.effectiveWordPressVersion {
                changes["wordpressVersion"] = [from.effectiveWordPressVersion, to.effectiveWordPressVersion]
            }
            if from.effectiveWooCommerceVersion != to.effectiveWooCommerceVersion {
                changes["woocommerceVersion"] = [from.effectiveWooCommerceVersion, to.effectiveWooCommerceVersion]
            }
            if from.plugins != to.plugins {
                changes["plugins"] = [from.plugins.map(\.description).joined(separator: ","), to.plugins.map(\.description).joined(separator: ",")]
            }
            var refused = StoreChange.transitionProblems(from: from, to: to).map(\.description).first
            if refused == nil, view.status != .ready { refused = "store is \(view.status.rawValue)" }
            return PlannedStore(store: view.id, name: view.name, wave: waveOf[index], from: from, to: to, changes: changes, refused: refused)
        }
        return DryRun(action: request.action, waves: sizes, stores: stores)
    }

    /// Starts a rollout: its stream holds the request with the stores it resolved to.
    public func create(_ request: Request, metadata: EventMetadata) async throws -> RolloutState {
        let views = try await select(request.selector, action: request.action)
        guard !views.isEmpty else {
            throw ProvisioningError.validation([FieldError(field: "selector", message: "matches no store")])
        }
        guard views.count <= RolloutEvent.storeLimit else {
            throw ProvisioningError.validation([
                FieldError(
                    field: "selector",
                    message: "matches \(views.count) stores; a rollout takes at most \(RolloutEvent.storeLimit): narrow it (plan, ids)")
            ])
        }
        let id = newID()
        let requested = RolloutEvent.Requested(
            rollout: id, action: request.action, change: request.change, selector: request.selector, stores: views.map(\.id),
            waves: RolloutPlanner.waveSizes(request.waves, total: views.count), waveSpec: request.waves.map(\.description),
            maxFailures: request.maxFailures, pauseBetweenMs: request.pauseBetweenMs, by: metadata.actor)
        // The index first: an entry whose rollout never got written is skipped by readers.
        try await events.append(
            AppendRequest(
                stream: RolloutEvent.indexStream, expected: .any,
                events: [RolloutEvent.registered(.init(rollout: id)).newEvent(metadata: metadata)]))
        let result = try await events.append(
            AppendRequest(
                stream: RolloutEvent.streamID(id), expected: .noStream,
                events: [RolloutEvent.requested(requested).newEvent(metadata: metadata)]))
        var state = RolloutState(requested, at: Date())
        state.version = result.streamVersion
        wake?(id)
        return state
    }

    public func rollout(_ id: String) async throws -> RolloutState? {
        guard let stream = try? StreamID("rollout-\(id)") else { return nil }
        return try RolloutState.fold(try await events.readStream(stream))
    }

    /// Every rollout, newest first, at most `limit`.
    public func list(limit: Int = 100) async throws -> [RolloutState] {
        var states: [RolloutState] = []
        for recorded in try await events.readStream(RolloutEvent.indexStream).reversed() {
            guard states.count < limit, case .registered(let entry)? = try RolloutEvent(recorded) else { continue }
            if let state = try await rollout(entry.rollout) { states.append(state) }
        }
        return states
    }

    /// The ids of every rollout still open (for the coordinator at start).
    public func openRollouts() async throws -> [String] {
        try await list(limit: .max).filter { $0.status.isOpen }.map(\.id)
    }

    public enum Control: String, Sendable {
        case pause, resume, abort
    }

    /// Pauses (no new wave starts; the one in flight ends), resumes, or aborts (no new wave; no rollback).
    public func control(_ id: String, _ control: Control, metadata: EventMetadata) async throws -> RolloutState {
        guard let state = try await rollout(id) else { throw RolloutError.notFound(id) }
        guard state.status.isOpen, state.halted == nil else {
            throw RolloutError.conflict(id, "rollout is \(state.status.rawValue)")
        }
        let by = RolloutEvent.ByActor(by: metadata.actor)
        let event: RolloutEvent
        switch control {
        case .pause:
            guard !state.paused else { return state }
            event = .paused(by)
        case .resume:
            guard state.paused else { return state }
            event = .resumed(by)
        case .abort:
            guard !state.abortRequested else { return state }
            event = .abortRequested(by)
        }
        try await events.append(
            AppendRequest(stream: RolloutEvent.streamID(id), expected: .any, events: [event.newEvent(metadata: metadata)]))
        wake?(id)
        return try await rollout(id) ?? state
    }
}
