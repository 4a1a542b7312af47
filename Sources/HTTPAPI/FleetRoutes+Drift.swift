import Foundation
import Hummingbird
import Provisioning

extension FleetRoutes {
    struct DriftCheckResponse: Encodable {
        let store: StoreID
        let check: String
        let drifted: Bool
        let differences: [DriftDifference]
        /// `corrected` (a `reconcile` operation started) or `reported`; nil without drift.
        let action: DriftAction?
        let operation: String?
        /// False with no drift, or when the store changed while its cluster was read.
        let recorded: Bool
        let position: String?
        let cluster: ClusterInfo
    }

    /// `POST /stores/{id}/drift-checks[?action=correct|report]`: compares the store's cluster
    /// with its log now; drift is recorded (201) and, unless `action=report` (or the server's
    /// `--drift-action report`), corrected by a `reconcile` operation.
    @Sendable func checkDrift(_ request: Request, context: Context) async throws -> Response {
        let id = try storeID(context)
        guard let drift = environment.drift else {
            throw Problem(.notFound, status: .notFound, title: "Not found", detail: "drift checks are not available")
        }
        var action: DriftAction?
        if let asked = request.uri.queryParameters["action"].map(String.init) {
            switch asked {
            case "correct": action = .corrected
            case "report": action = .reported
            default:
                throw Problem(
                    .badParameter, status: .badRequest, title: "Invalid parameter", detail: "action must be correct or report",
                    errors: [FieldError(field: "action", message: "must be correct or report")])
            }
        }
        let report = try await drift.check(id, metadata: metadata(context), action: action)
        let body = DriftCheckResponse(
            store: report.store, check: report.check, drifted: !report.differences.isEmpty, differences: report.differences,
            action: report.action, operation: report.operation, recorded: report.recorded, position: report.position,
            cluster: environment.cluster)
        return try APIJSON.response(body, status: report.recorded ? .created : .ok)
    }
}
