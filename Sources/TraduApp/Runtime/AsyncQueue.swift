/// A bounded multi-producer, multi-consumer queue for tasks: `take()` suspends until an element arrives or
/// the queue is closed. Used to hand claimed blocks to worker slots.
actor AsyncQueue<Element: Sendable> {
    private var buffer: [Element] = []
    private var head = 0
    private var waiters: [CheckedContinuation<Element?, Never>] = []
    private var closed = false

    var count: Int { buffer.count - head }

    func put(_ element: Element) {
        if !waiters.isEmpty {
            waiters.removeFirst().resume(returning: element)
            return
        }
        buffer.append(element)
    }

    func take() async -> Element? {
        if head < buffer.count {
            let element = buffer[head]
            head += 1
            if head > 1024, head * 2 > buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            return element
        }
        if closed { return nil }
        return await withCheckedContinuation { waiters.append($0) }
    }

    /// Removes and returns everything still queued (shutdown: released, not processed).
    func drain() -> [Element] {
        let rest = Array(buffer[head...])
        buffer = []
        head = 0
        return rest
    }

    /// Consumers get nil once the queue is empty.
    func close() {
        closed = true
        if head >= buffer.count {
            for waiter in waiters { waiter.resume(returning: nil) }
            waiters = []
        }
    }
}
