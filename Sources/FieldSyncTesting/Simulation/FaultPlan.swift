/// Which faults one run injects and how often the scheduler picks each kind of step. Each seed draws
/// its own plan, so that a set of seeds covers every fault alone and in combination.
struct FaultPlan {
    var network: Set<NetworkFault> = []
    /// Chance, in percent, that a request meets one of `network`.
    var networkPercent = 0
    var partitions = false
    var clocks = false
    var terminalCrashes = false
    var serverCrashes = false

    static func random(_ random: inout SeededRandom) -> FaultPlan {
        var plan = FaultPlan()
        plan.network = Set(NetworkFault.allCases.filter { _ in random.percent(60) })
        plan.networkPercent = random.int(5...30)
        plan.partitions = random.percent(70)
        plan.clocks = random.percent(70)
        plan.terminalCrashes = random.percent(70)
        plan.serverCrashes = random.percent(70)
        return plan
    }

    /// Weights of: write, sync, deliver a held request, toggle a partition, move a clock, crash a
    /// terminal inside a write or sync, crash or restart the server, restart a terminal.
    var stepWeights: [Int] {
        [40, 30, network.contains(.delay) ? 4 : 0, partitions ? 4 : 0, clocks ? 4 : 0,
         terminalCrashes ? 5 : 0, serverCrashes ? 4 : 0, terminalCrashes ? 2 : 0]
    }
}
