import Foundation
import Postgres
import Provisioning

extension PostgresStoreProjector {
    /// One store's row in each read model, its JSON already written (`StoreProjection.encode`,
    /// by hand): the CPU-heavy part of a write, pure, so it may be made on any task. Times are
    /// written as the domain writes them (to the millisecond), in both forms below, so a row
    /// reads back the same whichever way it travelled.
    struct StoreRow: Sendable {
        let id: StoreID
        let name: String
        let domain: String
        let plan: String
        let status: String
        let currentStep: String?
        let needsAttention: Bool
        let createdAt: Date
        let updatedAt: Date
        let version: Int64
        /// The store's JSON as the API shows it (`store_view.view_text`).
        let viewText: String
        /// The folded state (`store_view.state`, jsonb), read back by the live projector.
        let stateText: String
        let open: Bool
        let dueAt: Date?

        init(_ state: StoreState) throws {
            let view = StoreView(state)
            let entry = SagaQueueEntry(state)
            id = state.id
            name = view.name
            domain = view.domain
            plan = view.plan.rawValue
            status = state.status.rawValue
            currentStep = view.currentStep?.rawValue
            needsAttention = view.needsAttention
            createdAt = state.createdAt
            updatedAt = state.updatedAt
            version = state.version
            viewText = try StoreProjection.encode(view)
            stateText = try StoreProjection.encode(state)
            open = entry.open
            dueAt = entry.dueAt
        }

        static func make(_ states: [StoreState]) throws -> [StoreRow] {
            try states.sorted { $0.id < $1.id }.map(StoreRow.init)
        }
    }

    /// Rows for `jsonb_to_recordset` (one statement writes a batch of the live projector): a
    /// JSON array for each table.
    struct Rows: Sendable {
        let view: String
        let queue: String

        init(_ rows: [StoreRow]) throws {
            var view = DomainJSONWriter(capacity: rows.count * 8192)
            var queue = DomainJSONWriter(capacity: rows.count * 128)
            try view.array(rows) { json, row in
                try json.object { json in
                    json.field("created_at", row.createdAt)
                    try json.field("current_step", row.currentStep)
                    try json.field("domain", row.domain)
                    try json.field("name", row.name)
                    json.field("needs_attention", row.needsAttention)
                    try json.field("plan", row.plan)
                    json.key("state")
                    json.json(row.stateText)
                    try json.field("status", row.status)
                    try json.field("store_id", row.id.description)
                    json.field("updated_at", row.updatedAt)
                    json.key("version")
                    json.int(row.version)
                    try json.field("view_text", row.viewText)
                }
            }
            try queue.array(rows) { json, row in
                try json.object { json in
                    json.field("due_at", row.dueAt)
                    json.field("open", row.open)
                    try json.field("store_id", row.id.description)
                    json.key("version")
                    json.int(row.version)
                }
            }
            self.view = view.text
            self.queue = queue.text
        }
    }

    /// Rows for `COPY` into empty tables (the rebuild's shadow): the same values in the columns'
    /// text forms, with no JSON around them for the server to parse.
    struct CopyRows: Sendable {
        static let viewColumns =
            "store_id, name, domain, plan, status, current_step, needs_attention, created_at, updated_at, version, view_text, state"
        static let queueColumns = "store_id, open, due_at, version"

        var view = PostgresCopyRows()
        var queue = PostgresCopyRows()

        init(_ rows: [StoreRow]) {
            view = PostgresCopyRows(capacity: rows.count * 8192)
            queue = PostgresCopyRows(capacity: rows.count * 96)
            for row in rows {
                view.append(row.id.uuid)
                view.append(text: row.name)
                view.append(text: row.domain)
                view.append(text: row.plan)
                view.append(text: row.status)
                view.append(row.currentStep)
                view.append(row.needsAttention)
                view.append(text: StoreEvent.formatDate(row.createdAt))
                view.append(text: StoreEvent.formatDate(row.updatedAt))
                view.append(row.version)
                view.append(text: row.viewText)
                view.append(text: row.stateText)
                view.endRow()
                queue.append(row.id.uuid)
                queue.append(row.open)
                queue.append(row.dueAt.map(StoreEvent.formatDate))
                queue.append(row.version)
                queue.endRow()
            }
        }
    }
}
