import Testing

/// Suites that run long chains of real `tradu` processes (promotions, rollouts): one at a time, so that on a
/// 2-core machine they do not starve the timing-sensitive runtime tests that run beside them.
@Suite(.serialized) enum ProcessHeavyTests {}
