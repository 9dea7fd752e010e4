/// What a worker's outcome is committed as: a completion (`Store.complete`), a failed attempt (`Store.fail`), or a
/// block handed to a provider batch (`Store.enterProviderBatches`). `Store.loggedOutcomes` tells them apart by the
/// reason each one logs.
public enum OutcomeKind: Sendable {
    case completion
    case failure
    case providerBatch
}
