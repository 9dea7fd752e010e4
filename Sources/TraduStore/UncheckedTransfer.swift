/// Carries a non-`Sendable` value into a `@Sendable` closure that runs exactly once, on one thread.
///
/// Only for values the caller gave up with `sending` (or created locally) and does not touch again: the type
/// system cannot see that `PostgresConnection.transaction` runs its body once, synchronously, so it asks for
/// `Sendable` where a transfer is all that happens.
struct UncheckedTransfer<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) {
        self.value = value
    }
}
