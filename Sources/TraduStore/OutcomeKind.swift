/// What a worker's outcome is committed as: a completion (`Store.complete`) or a failed attempt (`Store.fail`).
/// `Store.loggedOutcomes` tells them apart by the reason each one logs.
public enum OutcomeKind: Sendable {
    case completion
    case failure
}
