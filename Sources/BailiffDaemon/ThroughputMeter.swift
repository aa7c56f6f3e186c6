/// Entries per second over the last minute, from samples of a running count.
struct ThroughputMeter {
    private var samples: [(time: Double, count: Int)] = []
    let span: Double

    init(span: Double = 60) {
        self.span = span
    }

    mutating func record(count: Int, at time: Double) {
        samples.append((time, count))
        // Keep one sample older than the span, so the rate covers the whole span.
        while samples.count > 2, samples[1].time <= time - span { samples.removeFirst() }
    }

    var perSecond: Double {
        guard let first = samples.first, let last = samples.last, last.time > first.time else { return 0 }
        return Double(last.count - first.count) / (last.time - first.time)
    }
}
