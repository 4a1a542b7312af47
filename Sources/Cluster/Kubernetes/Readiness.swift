/// Where a workload stands, read from its object.
enum Readiness: Sendable, Hashable {
    /// Done; the details go into the step's record.
    case ready([String: String])
    /// Not yet; why, for the error if the wait ends here.
    case waiting(String)
    /// It will not get there (a Job that failed, a Deployment past its progress deadline).
    case failed(String)
}
